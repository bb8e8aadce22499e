package org.jhyve.devices.e1000;

import org.jhyve.bus.Bus;
import org.jhyve.devices.Fakes;
import org.jhyve.devices.net.FakeBackend;
import org.jhyve.devices.net.Frames;
import org.jhyve.devices.net.MacAddress;
import org.jhyve.devices.pci.Bar;
import org.jhyve.devices.pci.PciRoot;
import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;

import static org.jhyve.devices.e1000.Regs.*;
import static org.junit.jupiter.api.Assertions.*;

/** The 82545EM on plain buses, fake guest RAM and a back end made of two queues. */
class E1000Test {
    static final MacAddress MAC = MacAddress.parse("58:9c:fc:00:00:01");
    static final byte[] PEER = Frames.mac("02:00:00:00:00:99");
    static final long TX_RING = 0x10000, RX_RING = 0x11000, TX_BUF = 0x20000, RX_BUF = 0x40000;
    static final int SLOT = 3, GSI = PciRoot.intxGsi(SLOT, 1);

    Arena arena;
    GuestMemory mem;
    FakeBackend be;
    E1000 dev;
    Bus pio, mmio;
    Fakes.Irqs irqs;
    PciRoot root;
    long bar0;
    long ioBase;

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared();
        mem = GuestMemory.wrap(arena.allocate(4 << 20, 4096));
        be = new FakeBackend();
        dev = new E1000(be, MAC, mem);
        dev.start();
        pio = Fakes.bus("pio");
        mmio = Fakes.bus("mmio");
        irqs = new Fakes.Irqs();
        root = new PciRoot(pio, mmio, irqs);
        root.add(0, SLOT, 0, dev);
        root.assignBars(0, true);
        bar0 = dev.bars().get(0).address();
        ioBase = dev.bars().get(2).address();
    }

    @AfterEach
    void tearDown() {
        dev.close();
        arena.close();
    }

    int r(int off) { return (int) mmio.read(bar0 + off, 4); }

    void w(int off, int v) { mmio.write(bar0 + off, 4, v & 0xFFFFFFFFL); }

    boolean intx() { return irqs.apply(GSI).level; }

    // ---- identity, EEPROM, PHY ----

    @Test
    void pciIdentityAndBarsAreBhyves() {
        assertEquals(0x100F8086, root.readConfig(0, SLOT, 0, 0, 4));
        assertEquals(0x10088086, root.readConfig(0, SLOT, 0, 0x2C, 4), "subsystem 8086:1008");
        assertEquals(0x020000, root.readConfig(0, SLOT, 0, 8, 4) >>> 8, "Ethernet controller");
        assertEquals(1, root.readConfig(0, SLOT, 0, 0x3D, 1), "INTA");
        Bar b0 = dev.bars().get(0), b1 = dev.bars().get(1), b2 = dev.bars().get(2);
        assertEquals(128 * 1024, b0.size());
        assertEquals(64 * 1024, b1.size());
        assertEquals(8, b2.size());
        assertEquals(org.jhyve.devices.pci.BarKind.IO, b2.kind());
        assertEquals(STATUS_FD | STATUS_LU | STATUS_SPEED_1000, r(STATUS));
        assertEquals(0xFFFFFFFFL, mmio.read(b1.address(), 4), "flash reads erased");
    }

    /** Linux's e1000_read_eeprom for Microwire parts, step by step. */
    int eepromRead(int addr) {
        w(EECD, r(EECD) | EECD_REQ);
        assertNotEquals(0, r(EECD) & EECD_GNT, "grant");
        int eecd = r(EECD) & ~(EECD_DI | EECD_SK);
        w(EECD, eecd);
        eecd |= EECD_CS;
        w(EECD, eecd);
        shiftOut(0x6, 3);
        shiftOut(addr, 6);
        int data = 0;
        eecd = r(EECD) & ~(EECD_DO | EECD_DI);
        for (int i = 0; i < 16; i++) {
            data <<= 1;
            eecd |= EECD_SK;
            w(EECD, eecd);
            eecd = r(EECD) & ~EECD_DI;
            if ((eecd & EECD_DO) != 0) data |= 1;
            eecd &= ~EECD_SK;
            w(EECD, eecd);
        }
        eecd = r(EECD) & ~(EECD_CS | EECD_SK);   // standby
        w(EECD, eecd);
        w(EECD, eecd | EECD_SK);
        w(EECD, eecd | EECD_SK | EECD_CS);
        w(EECD, eecd | EECD_CS);
        eecd = r(EECD) & ~(EECD_CS | EECD_DI);   // release
        w(EECD, eecd);
        w(EECD, eecd & ~EECD_REQ);
        return data;
    }

    void shiftOut(int data, int count) {
        int eecd = r(EECD) & ~EECD_DO;
        for (int mask = 1 << count - 1; mask != 0; mask >>= 1) {
            eecd &= ~EECD_DI;
            if ((data & mask) != 0) eecd |= EECD_DI;
            w(EECD, eecd);
            w(EECD, eecd | EECD_SK);
            w(EECD, eecd);
        }
        w(EECD, eecd & ~EECD_DI);
    }

    @Test
    void eepromHoldsTheMacAndBhyvesChecksumThroughMicrowireAndEerd() {
        int[] words = new int[64];
        int sum = 0;
        for (int i = 0; i < 64; i++) {
            words[i] = eepromRead(i);
            sum += words[i];
        }
        assertEquals(0x9c58, words[0]);
        assertEquals(0x00fc, words[1]);
        assertEquals(0x0100, words[2]);
        assertEquals(0x100F, words[0x0D]);
        assertEquals(0x8086, words[0x0E]);
        assertEquals(0xBABA, sum & 0xFFFF, "Linux's e1000_validate_eeprom_checksum");
        w(EERD, 0x0D << 8 | EERD_START);
        assertEquals(0x100F << 16 | EERD_DONE | 0x0D << 8, r(EERD));
        assertEquals(0x9c58, eepromRead(0), "a second pass reads the same");
    }

    @Test
    void receiveAddressZeroComesFromTheEeprom() {
        assertEquals(0x00fc9c58, r(RA));
        assertEquals(RAH_AV | 0x0100, r(RA + 4));
    }

    int mdicRead(int phy, int reg) {
        w(MDIC, reg << MDIC_REG_SHIFT | phy << MDIC_PHY_SHIFT | MDIC_OP_READ);
        int v = r(MDIC);
        assertNotEquals(0, v & MDIC_READY);
        return v;
    }

    @Test
    void phyIsAnM88E1011WithLinkUpAndAutonegDone() {
        assertEquals(0x0141, mdicRead(1, Phy.ID1) & 0xFFFF);
        assertEquals(0x0C24, mdicRead(1, Phy.ID2) & 0xFFFF);
        int st = mdicRead(1, Phy.STATUS);
        assertNotEquals(0, st & Phy.STATUS_LINK);
        assertNotEquals(0, st & Phy.STATUS_AN_COMPLETE);
        assertNotEquals(0, mdicRead(2, 1) & MDIC_ERROR, "no PHY at address 2");
        w(MDIC, Phy.AUTONEG_ADV << MDIC_REG_SHIFT | 1 << MDIC_PHY_SHIFT | MDIC_OP_WRITE | 0x0DE1);
        assertEquals(0x0DE1, mdicRead(1, Phy.AUTONEG_ADV) & 0xFFFF, "written PHY registers read back");
        w(MDIC, Phy.CTRL << MDIC_REG_SHIFT | 1 << MDIC_PHY_SHIFT | MDIC_OP_WRITE | Phy.CTRL_RESET | Phy.CTRL_AN_ENABLE);
        assertEquals(0, mdicRead(1, Phy.CTRL) & Phy.CTRL_RESET, "PHY reset completes at once");
    }

    @Test
    void resetThroughTheIoBarAsLinuxDoesIt() {
        w(IMS, ICR_RXT0);
        w(RDLEN, 4096);
        pio.write(ioBase, 4, CTRL);
        pio.write(ioBase + 4, 4, CTRL_RST | CTRL_SLU);
        assertEquals(0, r(IMS));
        assertEquals(0, r(RDLEN));
        assertEquals(0, r(CTRL) & CTRL_RST, "RST clears itself");
        pio.write(ioBase, 4, STATUS);
        assertEquals(r(STATUS), (int) pio.read(ioBase + 4, 4), "IODATA reads the register IOADDR names");
    }

    @Test
    void unknownRegistersReadZeroAndNarrowWritesAreIgnored() {
        assertEquals(0, r(0x1F000));
        w(0x1F000, 5);
        assertEquals(0, r(0x1F000));
        mmio.write(bar0 + RDLEN, 2, 0x80);
        assertEquals(0, r(RDLEN));
        w(RDLEN, 0x1234);
        assertEquals(0x1200, r(RDLEN), "ring length in 128-byte units");
        assertEquals(0x12, mmio.read(bar0 + RDLEN + 1, 1), "byte reads of a register");
    }

    // ---- interrupts ----

    @Test
    void interruptCausesMaskAndClearOnRead() {
        w(ICS, ICR_LSC);
        assertFalse(intx(), "masked");
        w(IMS, ICR_LSC | ICR_RXT0);
        assertTrue(intx());
        assertEquals(ICR_LSC | ICR_RXT0, r(IMS));
        assertEquals(ICR_LSC, r(ICR));
        assertFalse(intx(), "ICR read clears");
        assertEquals(0, r(ICR));
        w(ICS, ICR_RXT0);
        assertTrue(intx());
        w(IMC, ICR_RXT0);
        assertFalse(intx(), "IMC masks");
        assertEquals(ICR_LSC, r(IMS));
    }

    // ---- transmit ----

    void txRing(int entries) {
        w(TDBAL, (int) TX_RING);
        w(TDBAH, 0);
        w(TDLEN, entries * 16);
        w(TDH, 0);
        w(TDT, 0);
        w(TCTL, TCTL_EN | TCTL_PSP);
    }

    void legacy(int idx, long addr, int len, int cmd, int cso, int css) {
        ByteBuffer b = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(addr).putShort((short) len).put((byte) cso).put((byte) cmd).put((byte) 0).put((byte) css).putShort((short) 0);
        mem.write(TX_RING + 16L * idx, b.array());
    }

    void context(int idx, int ipcss, int ipcso, int ipcse, int tucss, int tucso, int tucse, int paylen, int tucmd,
                 int hdrLen, int mss) {
        ByteBuffer b = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) ipcss).put((byte) ipcso).putShort((short) ipcse).put((byte) tucss).put((byte) tucso)
                .putShort((short) tucse).putInt(paylen | (TXD_CMD_DEXT | tucmd) << 24).put((byte) 0).put((byte) hdrLen)
                .putShort((short) mss);
        mem.write(TX_RING + 16L * idx, b.array());
    }

    void data(int idx, long addr, int len, int dcmd, int popts) {
        ByteBuffer b = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(addr).putInt(len | TXD_DTYP_DATA << 20 | (TXD_CMD_DEXT | dcmd) << 24).put((byte) 0).put((byte) popts)
                .putShort((short) 0);
        mem.write(TX_RING + 16L * idx, b.array());
    }

    int txStatus(int idx) { return mem.read(TX_RING + 16L * idx + 12, 1)[0] & 0xFF; }

    @Test
    void legacyDescriptorsSendOneFrameAndWriteBackDd() {
        txRing(8);
        w(IMS, ICR_TXDW);
        byte[] f = Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.pattern(100, 1));
        mem.write(TX_BUF, Arrays.copyOfRange(f, 0, 50));
        mem.write(TX_BUF + 0x1000, Arrays.copyOfRange(f, 50, f.length));
        legacy(0, TX_BUF, 50, TXD_CMD_IFCS, 0, 0);
        legacy(1, TX_BUF + 0x1000, f.length - 50, TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS, 0, 0);
        w(TDT, 2);
        assertEquals(1, be.sent.size());
        assertArrayEquals(f, be.sent.getFirst(), "gathered from two buffers");
        assertEquals(2, r(TDH));
        assertEquals(0, txStatus(0) & TXD_STAT_DD, "no RS, no write-back");
        assertEquals(TXD_STAT_DD, txStatus(1) & TXD_STAT_DD);
        assertTrue(intx());
        assertEquals(ICR_TXDW | ICR_TXQE, r(ICR));
        assertEquals(1, r(Stats.GPTC));
        assertEquals(0, r(Stats.GPTC), "statistics clear on read");
        assertEquals(f.length + 4, r(Stats.GOTCL));
    }

    @Test
    void shortFramesArePaddedToSixtyBytes() {
        txRing(8);
        byte[] arp = Frames.arpRequest(MAC.bytes(), Frames.ip("10.0.0.2"), Frames.ip("10.0.0.1"));
        mem.write(TX_BUF, arp);
        legacy(0, TX_BUF, arp.length, TXD_CMD_EOP | TXD_CMD_RS, 0, 0);
        w(TDT, 1);
        assertEquals(60, be.sent.getFirst().length);
        assertArrayEquals(arp, Arrays.copyOf(be.sent.getFirst(), arp.length));
    }

    @Test
    void transmitWaitsForTctlEnable() {
        txRing(8);
        w(TCTL, 0);
        byte[] f = Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.pattern(64, 2));
        mem.write(TX_BUF, f);
        legacy(0, TX_BUF, f.length, TXD_CMD_EOP | TXD_CMD_RS, 0, 0);
        w(TDT, 1);
        assertTrue(be.sent.isEmpty());
        w(TCTL, TCTL_EN);
        assertEquals(1, be.sent.size());
    }

    static final byte[] SRC_IP = Frames.ip("10.0.0.2"), DST_IP = Frames.ip("10.0.0.1");

    /** Folded pseudo-header sum, as Linux leaves it in the L4 checksum field (CHECKSUM_PARTIAL). */
    static int partial(int protocol, int len) {
        long s = Frames.pseudoSum(SRC_IP, DST_IP, protocol, len);
        while ((s >>> 16) != 0) s = (s & 0xFFFF) + (s >>> 16);
        return (int) s;
    }

    @Test
    void contextChecksumOffloadFillsUdpAndTcpChecksums() {
        txRing(8);
        byte[] payload = Frames.pattern(301, 5);
        byte[] udp = Frames.udp(5000, 53, partial(17, 8 + payload.length), payload);
        byte[] f = Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.ipv4(SRC_IP, DST_IP, 17, 9, udp));
        mem.write(TX_BUF, f);
        context(0, 0, 0, 0, 34, 40, 0, 0, 0, 0, 0);
        data(1, TX_BUF, f.length, TXD_CMD_EOP | TXD_CMD_RS | TXD_CMD_IFCS, POPTS_TXSM);
        byte[] tcp = Frames.tcp(80, 1234, 1000, 0x18, partial(6, 20 + payload.length), payload);
        byte[] g = Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.ipv4(SRC_IP, DST_IP, 6, 10, tcp));
        mem.write(TX_BUF + 0x1000, g);
        context(2, 0, 0, 0, 34, 50, 0, 0, TUCMD_TCP | TUCMD_IP, 0, 0);
        data(3, TX_BUF + 0x1000, g.length, TXD_CMD_EOP | TXD_CMD_RS, POPTS_TXSM);
        // a legacy descriptor with IC: sum from CSS to the end, stored at CSO
        mem.write(TX_BUF + 0x2000, g);
        legacy(4, TX_BUF + 0x2000, g.length, TXD_CMD_EOP | TXD_CMD_RS | TXD_CMD_IC, 50, 34);
        w(TDT, 5);
        assertEquals(3, be.sent.size());
        for (byte[] s : be.sent) assertTrue(Frames.checksumsValid(s), "valid checksums");
        assertNotEquals(0, Frames.u16(be.sent.get(0), 40), "the UDP checksum was filled in");
    }

    @Test
    void tcpSegmentationSplitsAtTheMssAndFixesEveryHeader() {
        txRing(8);
        byte[] payload = Frames.pattern(3000, 9);
        byte[] tcp = Frames.tcp(80, 1234, 0xFFFFFF00L, 0x19 /* FIN PSH ACK */, partial(6, 0), payload);
        byte[] ip = Frames.ipv4(SRC_IP, DST_IP, 6, 100, tcp);
        ip[2] = ip[3] = ip[10] = ip[11] = 0;   // Linux's e1000_tso: tot_len and check zero
        byte[] f = Frames.ethernet(PEER, MAC.bytes(), 0x0800, ip);
        mem.write(TX_BUF, f);
        context(0, 14, 24, 33, 34, 50, 0, 3000, TUCMD_TCP | TUCMD_IP | TUCMD_TSE, 54, 1000);
        data(1, TX_BUF, 54 + 500, TXD_CMD_TSE | TXD_CMD_IFCS, POPTS_IXSM | POPTS_TXSM);
        data(2, TX_BUF + 554, f.length - 554, TXD_CMD_TSE | TXD_CMD_IFCS | TXD_CMD_EOP | TXD_CMD_RS, 0);
        w(TDT, 3);
        assertEquals(3, be.sent.size());
        byte[] joined = new byte[0];
        for (int i = 0; i < 3; i++) {
            byte[] s = be.sent.get(i);
            assertEquals(54 + 1000, s.length);
            assertEquals(1040, Frames.u16(s, 16), "IP total length");
            assertEquals(100 + i, Frames.u16(s, 18), "IP ID");
            assertEquals((0xFFFFFF00L + 1000L * i) & 0xFFFFFFFFL, Frames.u32(s, 38), "sequence number wraps");
            assertEquals(i == 2 ? 0x19 : 0x10, s[47] & 0xFF, "FIN and PSH only on the last segment");
            assertTrue(Frames.checksumsValid(s), "segment " + i + " checksums");
            byte[] j = Arrays.copyOf(joined, joined.length + 1000);
            System.arraycopy(s, 54, j, joined.length, 1000);
            joined = j;
        }
        assertArrayEquals(payload, joined);
        assertEquals(1, r(Stats.TSCTC));
        assertEquals(TXD_STAT_DD, txStatus(2) & TXD_STAT_DD);
    }

    @Test
    void vlanTagIsInsertedOnTransmitWhenEnabled() {
        txRing(8);
        w(CTRL, r(CTRL) | CTRL_VME);
        byte[] f = Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.pattern(80, 4));
        mem.write(TX_BUF, f);
        ByteBuffer b = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(TX_BUF).putShort((short) f.length).put((byte) 0).put((byte) (TXD_CMD_EOP | TXD_CMD_RS | TXD_CMD_VLE))
                .put((byte) 0).put((byte) 0).putShort((short) 0x2005);
        mem.write(TX_RING, b.array());
        w(TDT, 1);
        byte[] s = be.sent.getFirst();
        assertEquals(f.length + 4, s.length);
        assertEquals(0x8100, Frames.u16(s, 12));
        assertEquals(0x2005, Frames.u16(s, 14));
        assertEquals(0x0800, Frames.u16(s, 16));
    }


    // A batching back end (io_uring) reads the frames only when the batch is sent: every frame of
    // a pass must still be intact then, though the next packet is assembled in the same buffer.

    @Test
    void framesOfOnePassGoOutInBatchesAndStayIntactUntilSent() {
        int[] finishes = {0};
        be.onBatchFinish = () -> finishes[0]++;
        txRing(64);
        int frames = E1000.TX_SLOTS + 8;
        byte[][] f = new byte[frames][];
        for (int i = 0; i < frames; i++) {
            f[i] = Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.pattern(200 + i, i));
            mem.write(TX_BUF + 0x800L * i, f[i]);
            legacy(i, TX_BUF + 0x800L * i, f[i].length, TXD_CMD_EOP | TXD_CMD_RS, 0, 0);
        }
        w(TDT, frames);
        assertEquals(2, finishes[0], "one batch per " + E1000.TX_SLOTS + " frames, not a system call per frame");
        assertEquals(frames, be.sent.size());
        for (int i = 0; i < frames; i++) assertArrayEquals(f[i], be.sent.get(i), "frame " + i);
        assertEquals(TXD_STAT_DD, txStatus(frames - 1) & TXD_STAT_DD);
        assertEquals(frames, r(Stats.GPTC));
    }

    @Test
    void aFrameLongerThanASlotKeepsItsPlaceInTheOrder() {
        be.onBatchFinish = () -> { };
        txRing(8);
        byte[][] f = {
            Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.pattern(100, 1)),
            Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.pattern(E1000.TX_SLOT + 500, 2)),
            Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.pattern(100, 3)),
        };
        for (int i = 0; i < f.length; i++) {
            mem.write(TX_BUF + 0x2000L * i, f[i]);
            legacy(i, TX_BUF + 0x2000L * i, f[i].length, TXD_CMD_EOP, 0, 0);
        }
        w(TDT, f.length);
        assertEquals(f.length, be.sent.size());
        for (int i = 0; i < f.length; i++) assertArrayEquals(f[i], be.sent.get(i), "frame " + i);
    }

    @Test
    void tcpSegmentsThroughABatchingBackEndAreEachTheirOwn() {
        be.onBatchFinish = () -> { };
        tcpSegmentationSplitsAtTheMssAndFixesEveryHeader();
    }
    // ---- receive ----

    void rxRing(int entries, int tail, int rctl) {
        for (int i = 0; i < entries; i++) {
            ByteBuffer b = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.putLong(RX_BUF + 0x1000L * i).putLong(0);
            mem.write(RX_RING + 16L * i, b.array());
        }
        w(RDBAL, (int) RX_RING);
        w(RDBAH, 0);
        w(RDLEN, entries * 16);
        w(RDH, 0);
        w(RDT, tail);
        w(RCTL, rctl);
    }

    int rxLength(int idx) { return Frames.u16(reverse(mem.read(RX_RING + 16L * idx + 8, 2)), 0); }

    int rxStatus(int idx) { return mem.read(RX_RING + 16L * idx + 12, 1)[0] & 0xFF; }

    static byte[] reverse(byte[] b) { return new byte[] {b[1], b[0]}; }

    @Test
    void receivedFrameLandsInTheRingPaddedWithCrcAndRaisesRxt0() {
        rxRing(8, 7, RCTL_EN | RCTL_BAM);
        w(IMS, ICR_RXT0);
        byte[] arp = Frames.arpRequest(PEER, Frames.ip("10.0.0.1"), Frames.ip("10.0.0.2"));
        assertTrue(be.deliver(arp));
        assertEquals(64, rxLength(0), "padded to 60, plus the CRC the driver strips");
        assertEquals(RXD_STAT_DD | RXD_STAT_EOP | RXD_STAT_IXSM, rxStatus(0));
        byte[] got = mem.read(RX_BUF, 64);
        assertArrayEquals(arp, Arrays.copyOf(got, arp.length));
        CRC32 crc = new CRC32();
        crc.update(got, 0, 60);
        assertEquals((int) crc.getValue(), ByteBuffer.wrap(got, 60, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt());
        assertEquals(1, r(RDH));
        assertTrue(intx());
        assertEquals(ICR_RXT0, r(ICR) & ICR_RXT0);
        assertFalse(intx());
        assertEquals(1, r(Stats.GPRC));
        assertEquals(1, r(Stats.BPRC));
    }

    @Test
    void addressFilterFollowsRarMtaAndPromiscuousBits() {
        rxRing(8, 7, RCTL_EN);
        byte[] other = Frames.ethernet(Frames.mac("02:11:22:33:44:55"), PEER, 0x0800, Frames.pattern(60, 1));
        byte[] mine = Frames.ethernet(MAC.bytes(), PEER, 0x0800, Frames.pattern(60, 2));
        byte[] bcast = Frames.ethernet(Frames.BROADCAST, PEER, 0x0800, Frames.pattern(60, 3));
        byte[] mdns = Frames.ethernet(new byte[] {0x01, 0x00, 0x5e, 0x00, 0x00, (byte) 0xfb}, PEER, 0x0800, Frames.pattern(60, 4));
        be.deliver(other, bcast, mdns, mine);
        assertEquals(1, r(RDH), "only the frame to our address (no BAM, no MTA bit)");
        assertArrayEquals(mine, Arrays.copyOf(mem.read(RX_BUF, mine.length), mine.length));
        int hash = RxFilter.hash(new int[] {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}, 0);
        w(MTA + 4 * (hash >>> 5), 1 << (hash & 31));
        w(RCTL, RCTL_EN | RCTL_BAM);
        be.deliver(other, bcast, mdns);
        assertEquals(3, r(RDH), "broadcast with BAM, multicast through the MTA hash");
        w(RCTL, RCTL_EN | RCTL_UPE);
        be.deliver(other);
        assertEquals(4, r(RDH), "unicast promiscuous");
    }

    @Test
    void fullRingHoldsFramesBackUntilTheGuestAddsBuffers() {
        rxRing(8, 1, RCTL_EN | RCTL_BAM);
        byte[][] frames = new byte[4][];
        for (int i = 0; i < 4; i++) frames[i] = Frames.ethernet(MAC.bytes(), PEER, 0x0800, Frames.pattern(100, i));
        assertFalse(be.deliver(frames), "no room: drain says so");
        assertEquals(1, r(RDH));
        int resumes = be.resumes;
        w(RDT, 6);
        assertEquals(resumes + 1, be.resumes, "RDT write resumes reception");
        assertTrue(be.deliver());
        assertEquals(4, r(RDH), "nothing lost");
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(frames[i], Arrays.copyOf(mem.read(RX_BUF + 0x1000L * i, 100 + 14), 114), "frame " + i);
        }
    }

    @Test
    void longFramesNeedLpeAndSpanDescriptors() {
        rxRing(8, 7, RCTL_EN);
        byte[] big = Frames.ethernet(MAC.bytes(), PEER, 0x0800, Frames.pattern(2986, 6));   // 3000 bytes
        be.deliver(big);
        assertEquals(0, r(RDH), "dropped without LPE");
        assertEquals(1, r(Stats.ROC));
        w(RCTL, RCTL_EN | RCTL_LPE);
        be.deliver(big);
        assertEquals(2, r(RDH));
        assertEquals(2048, rxLength(0));
        assertEquals(RXD_STAT_DD | RXD_STAT_IXSM, rxStatus(0), "no EOP on the first part");
        assertEquals(3004 - 2048, rxLength(1));
        assertEquals(RXD_STAT_DD | RXD_STAT_EOP | RXD_STAT_IXSM, rxStatus(1));
        byte[] joined = new byte[3000];
        System.arraycopy(mem.read(RX_BUF, 2048), 0, joined, 0, 2048);
        System.arraycopy(mem.read(RX_BUF + 0x1000, 952), 0, joined, 2048, 952);
        assertArrayEquals(big, joined);
    }

    @Test
    void vlanTagIsStrippedIntoTheDescriptor() {
        rxRing(8, 7, RCTL_EN);
        w(CTRL, r(CTRL) | CTRL_VME);
        byte[] inner = Frames.pattern(100, 8);
        ByteBuffer b = ByteBuffer.allocate(18 + inner.length);
        b.put(MAC.bytes()).put(PEER).putShort((short) 0x8100).putShort((short) 0x3007).put(inner);
        be.deliver(b.array());
        assertEquals(RXD_STAT_DD | RXD_STAT_EOP | RXD_STAT_IXSM | RXD_STAT_VP, rxStatus(0));
        assertEquals(0x3007, Frames.u16(reverse(mem.read(RX_RING + 14, 2)), 0));
        byte[] got = mem.read(RX_BUF, 14 + inner.length);
        assertArrayEquals(Arrays.copyOfRange(b.array(), 16, 18 + inner.length), Arrays.copyOfRange(got, 12, got.length));
    }

    @Test
    void framesArrivingWhileTheReceiverIsOffAreDiscarded() {
        rxRing(8, 7, 0);
        assertTrue(be.deliver(Frames.ethernet(MAC.bytes(), PEER, 0x0800, Frames.pattern(60, 1))));
        assertTrue(be.incoming.isEmpty());
        w(RCTL, RCTL_EN);
        be.deliver(Frames.ethernet(MAC.bytes(), PEER, 0x0800, Frames.pattern(60, 2)));
        assertEquals(1, r(RDH));
        assertEquals(2, mem.read(RX_BUF + 14, 1)[0] & 0xFF, "the second frame, not a stale one");
    }

    // ---- hostile guests ----

    @Test
    void transmitRingOutsideRamStopsTransmitWithoutAnExceptionUntilReset() {
        w(TDBAL, 0xF0000000);
        w(TDLEN, 128);
        w(TCTL, TCTL_EN);
        assertDoesNotThrow(() -> w(TDT, 3));
        assertTrue(be.sent.isEmpty());
        w(CTRL, CTRL_RST);
        txRing(8);
        byte[] f = Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.pattern(64, 2));
        mem.write(TX_BUF, f);
        legacy(0, TX_BUF, f.length, TXD_CMD_EOP | TXD_CMD_RS, 0, 0);
        w(TDT, 1);
        assertEquals(1, be.sent.size(), "works again after reset");
    }

    @Test
    void bufferOutsideRamAndTailBeyondTheRingAreContained() {
        txRing(8);
        legacy(0, 0x7FFF_FFFF_0000L, 100, TXD_CMD_EOP | TXD_CMD_RS, 0, 0);
        assertDoesNotThrow(() -> w(TDT, 1));
        assertTrue(be.sent.isEmpty());
        w(TCTL, 0);
        txRing(8);
        assertDoesNotThrow(() -> w(TDT, 200));
        assertTrue(be.sent.isEmpty());
        assertEquals(0, r(TDH));
        rxRing(8, 7, RCTL_EN);
        mem.write(RX_RING, ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0x1_0000_0000_0L).array());
        assertDoesNotThrow(() -> be.deliver(Frames.ethernet(MAC.bytes(), PEER, 0x0800, Frames.pattern(60, 1))));
        assertTrue(be.deliver(Frames.ethernet(MAC.bytes(), PEER, 0x0800, Frames.pattern(60, 1))), "later frames are discarded");
        w(RDT, 9000);
        assertDoesNotThrow(() -> be.deliver(Frames.ethernet(MAC.bytes(), PEER, 0x0800, Frames.pattern(60, 1))));
    }

    @Test
    void endlessPacketIsDroppedWithBoundedMemory() {
        w(TDBAL, (int) TX_RING);
        w(TDLEN, 32 * 16);
        w(TCTL, TCTL_EN);
        mem.write(TX_BUF, Frames.pattern(4096, 1));
        for (int i = 0; i < 20; i++) legacy(i, TX_BUF, 4096, i == 19 ? TXD_CMD_EOP | TXD_CMD_RS : 0, 0, 0);
        w(TDT, 10);
        w(TDT, 20);
        assertTrue(be.sent.isEmpty(), "80 KiB without TSO is more than the device assembles");
        byte[] f = Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.pattern(64, 2));
        mem.write(TX_BUF + 0x2000, f);
        legacy(20, TX_BUF + 0x2000, f.length, TXD_CMD_EOP | TXD_CMD_RS, 0, 0);
        w(TDT, 21);
        assertEquals(1, be.sent.size(), "the next packet goes out");
        assertArrayEquals(f, be.sent.getFirst());
    }

    @Test
    void nonsenseOffloadContextsDropThePacketOnly() {
        txRing(8);
        byte[] f = Frames.ethernet(PEER, MAC.bytes(), 0x0800, Frames.pattern(200, 3));
        mem.write(TX_BUF, f);
        context(0, 14, 24, 33, 34, 50, 0, 100, TUCMD_TCP | TUCMD_IP | TUCMD_TSE, 54, 0);   // MSS 0
        data(1, TX_BUF, f.length, TXD_CMD_TSE | TXD_CMD_EOP | TXD_CMD_RS, POPTS_TXSM);
        context(2, 0, 0, 0, 200, 250, 0, 0, 0, 0, 0);   // checksum offsets beyond the packet
        data(3, TX_BUF, f.length, TXD_CMD_EOP | TXD_CMD_RS, POPTS_TXSM);
        legacy(4, TX_BUF, f.length, TXD_CMD_EOP | TXD_CMD_RS | TXD_CMD_IC, 255, 250);
        assertDoesNotThrow(() -> w(TDT, 5));
        assertTrue(be.sent.isEmpty());
        assertEquals(5, r(TDH), "descriptors are consumed");
        assertEquals(TXD_STAT_DD, txStatus(3) & TXD_STAT_DD);
    }
}
