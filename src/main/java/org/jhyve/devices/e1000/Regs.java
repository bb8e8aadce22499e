package org.jhyve.devices.e1000;

/**
 * Register offsets and bits of the 8254x family as the 82545EM has them (Intel's "PCI/PCI-X
 * Family of Gigabit Ethernet Controllers Software Developer's Manual", and the names Linux's
 * e1000_hw.h uses).
 */
final class Regs {
    private Regs() {}

    static final int CTRL = 0x0000, CTRL_DUP = 0x0004, STATUS = 0x0008, EECD = 0x0010, EERD = 0x0014,
            CTRL_EXT = 0x0018, FLA = 0x001C, MDIC = 0x0020, FCAL = 0x0028, FCAH = 0x002C, FCT = 0x0030,
            VET = 0x0038, ICR = 0x00C0, ITR = 0x00C4, ICS = 0x00C8, IMS = 0x00D0, IMC = 0x00D8,
            RCTL = 0x0100, FCTTV = 0x0170, TXCW = 0x0178, RXCW = 0x0180, TCTL = 0x0400, TIPG = 0x0410,
            AIFS = 0x0458, LEDCTL = 0x0E00, PBA = 0x1000, FCRTL = 0x2160, FCRTH = 0x2168,
            RDFH = 0x2410, RDFT = 0x2418, RDFHS = 0x2420, RDFTS = 0x2428, RDFPC = 0x2430,
            RDBAL = 0x2800, RDBAH = 0x2804, RDLEN = 0x2808, RDH = 0x2810, RDT = 0x2818, RDTR = 0x2820,
            RXDCTL = 0x2828, RADV = 0x282C, RSRPD = 0x2C00, TXDMAC = 0x3000,
            TDFH = 0x3410, TDFT = 0x3418, TDFHS = 0x3420, TDFTS = 0x3428, TDFPC = 0x3430,
            TDBAL = 0x3800, TDBAH = 0x3804, TDLEN = 0x3808, TDH = 0x3810, TDT = 0x3818, TIDV = 0x3820,
            TXDCTL = 0x3828, TADV = 0x382C, TSPMT = 0x3830,
            STATS_START = 0x4000, STATS_END = 0x4100, RXCSUM = 0x5000, MTA = 0x5200, MTA_END = 0x5400,
            RA = 0x5400, RA_END = 0x5480, VFTA = 0x5600, VFTA_END = 0x5800, WUC = 0x5800, WUFC = 0x5808,
            WUS = 0x5810, MANC = 0x5820, IPAV = 0x5838, IP4AT = 0x5840, IP4AT_END = 0x5850, IP6AT = 0x5880,
            IP6AT_END = 0x5890, WUPL = 0x5900, WUPM = 0x5A00, WUPM_END = 0x5A80, FFLT = 0x5F00,
            FFLT_END = 0x5F20, FFMT = 0x9000, FFMT_END = 0x9400, FFVT = 0x9800, FFVT_END = 0x9C00;

    /** Size of the register BAR (BAR 0), of the flash BAR (BAR 1) and of the I/O BAR (BAR 2). */
    static final int REGISTER_BAR_SIZE = 128 * 1024, FLASH_BAR_SIZE = 64 * 1024, IO_BAR_SIZE = 8;

    // CTRL
    static final int CTRL_FD = 0x1, CTRL_ASDE = 0x20, CTRL_SLU = 0x40, CTRL_SPD_1000 = 0x200, CTRL_RST = 0x04000000,
            CTRL_VME = 0x40000000, CTRL_PHY_RST = 0x80000000;
    // STATUS
    static final int STATUS_FD = 0x1, STATUS_LU = 0x2, STATUS_TXOFF = 0x10, STATUS_SPEED_1000 = 0x80;
    // EECD
    static final int EECD_SK = 0x1, EECD_CS = 0x2, EECD_DI = 0x4, EECD_DO = 0x8, EECD_FWE_EN = 0x20,
            EECD_REQ = 0x40, EECD_GNT = 0x80, EECD_PRES = 0x100;
    // EERD
    static final int EERD_START = 0x1, EERD_DONE = 0x10, EERD_ADDR_SHIFT = 8, EERD_DATA_SHIFT = 16;
    // MDIC
    static final int MDIC_DATA = 0xFFFF, MDIC_REG_SHIFT = 16, MDIC_PHY_SHIFT = 21, MDIC_OP_WRITE = 0x04000000,
            MDIC_OP_READ = 0x08000000, MDIC_READY = 0x10000000, MDIC_IE = 0x20000000, MDIC_ERROR = 0x40000000;
    // interrupt causes (ICR/ICS/IMS/IMC)
    static final int ICR_TXDW = 0x1, ICR_TXQE = 0x2, ICR_LSC = 0x4, ICR_RXSEQ = 0x8, ICR_RXDMT0 = 0x10,
            ICR_RXO = 0x40, ICR_RXT0 = 0x80, ICR_MDAC = 0x200, ICR_TXD_LOW = 0x8000, ICR_SRPD = 0x10000;
    /** The cause bits the 82545EM has. */
    static final int ICR_VALID = 0x1F6DF;
    // RCTL
    static final int RCTL_EN = 0x2, RCTL_SBP = 0x4, RCTL_UPE = 0x8, RCTL_MPE = 0x10, RCTL_LPE = 0x20,
            RCTL_RDMTS_SHIFT = 8, RCTL_MO_SHIFT = 12, RCTL_BAM = 0x8000, RCTL_BSIZE_SHIFT = 16,
            RCTL_VFE = 0x40000, RCTL_BSEX = 0x02000000, RCTL_SECRC = 0x04000000;
    // TCTL
    static final int TCTL_EN = 0x2, TCTL_PSP = 0x8;
    // RAH
    static final int RAH_AV = 0x80000000;

    // Transmit descriptor command bits (byte 11 of a legacy/data descriptor) and types
    static final int TXD_CMD_EOP = 0x01, TXD_CMD_IFCS = 0x02, TXD_CMD_IC = 0x04, TXD_CMD_RS = 0x08,
            TXD_CMD_DEXT = 0x20, TXD_CMD_VLE = 0x40, TXD_CMD_TSE = 0x04;
    static final int TXD_DTYP_CONTEXT = 0x0, TXD_DTYP_DATA = 0x1;
    static final int TUCMD_TCP = 0x01, TUCMD_IP = 0x02, TUCMD_TSE = 0x04;
    static final int POPTS_IXSM = 0x01, POPTS_TXSM = 0x02;
    static final int TXD_STAT_DD = 0x01;

    // Receive descriptor status bits
    static final int RXD_STAT_DD = 0x01, RXD_STAT_EOP = 0x02, RXD_STAT_IXSM = 0x04, RXD_STAT_VP = 0x08;

    /** Bytes of one descriptor (receive and transmit), and the ring length granularity. */
    static final int DESC_SIZE = 16, RING_ALIGN = 128;
}
