package org.jhyve.devices.e1000;

/**
 * The Marvell 88E1011 PHY behind MDIC, as the 82545EM has it: IEEE registers 0-15 plus the
 * Marvell specific ones Linux touches. Auto-negotiation completes at once at 1000 Mb/s full
 * duplex while the link is up; writes are kept so that read-modify-write sequences work.
 */
final class Phy {
    static final int ADDRESS = 1;
    static final int CTRL = 0, STATUS = 1, ID1 = 2, ID2 = 3, AUTONEG_ADV = 4, LP_ABILITY = 5, AUTONEG_EXP = 6,
            NEXT_PAGE = 7, LP_NEXT_PAGE = 8, GB_CTRL = 9, GB_STATUS = 10, EXT_STATUS = 15,
            M88_SPEC_CTRL = 16, M88_SPEC_STATUS = 17, M88_EXT_CTRL = 20, M88_RX_ERR = 21;
    /** M88E1011_I_PHY_ID with revision 4 in the low bits, as bhyve reports. */
    static final int PHY_ID = 0x01410C20 | 4;

    static final int CTRL_RESET = 0x8000, CTRL_RESTART_AN = 0x0200, CTRL_AN_ENABLE = 0x1000,
            CTRL_SPEED_1000 = 0x0040, CTRL_FULL_DUPLEX = 0x0100;
    static final int STATUS_EXT_CAPS = 0x0001, STATUS_LINK = 0x0004, STATUS_AN_CAPS = 0x0008,
            STATUS_AN_COMPLETE = 0x0020, STATUS_PREAMBLE_SUPP = 0x0040, STATUS_EXT_STATUS = 0x0100,
            STATUS_10_HD = 0x0800, STATUS_10_FD = 0x1000, STATUS_100_HD = 0x2000, STATUS_100_FD = 0x4000;
    /** M88 specific status: 1000 Mb/s, full duplex, resolved, link. */
    static final int M88_STATUS_UP = 0x8000 | 0x2000 | 0x0800 | 0x0400;

    private final int[] regs = new int[32];
    private boolean link;

    Phy() { reset(); }

    void reset() {
        java.util.Arrays.fill(regs, 0);
        regs[CTRL] = CTRL_AN_ENABLE | CTRL_SPEED_1000 | CTRL_FULL_DUPLEX;
        regs[AUTONEG_ADV] = 0x01E1;      // 10/100 half/full, IEEE 802.3 selector
        regs[GB_CTRL] = 0x0300;          // advertise 1000 half/full
        regs[EXT_STATUS] = 0x3000;       // 1000BASE-T full/half capable
        regs[M88_SPEC_CTRL] = 0x0068;
    }

    void setLink(boolean up) { link = up; }

    int read(int reg) {
        return switch (reg) {
            case STATUS -> STATUS_EXT_CAPS | STATUS_AN_CAPS | STATUS_PREAMBLE_SUPP | STATUS_EXT_STATUS | STATUS_10_HD
                    | STATUS_10_FD | STATUS_100_HD | STATUS_100_FD | (link ? STATUS_LINK | STATUS_AN_COMPLETE : 0);
            case ID1 -> PHY_ID >>> 16;
            case ID2 -> PHY_ID & 0xFFFF;
            // the partner advertises what we do, so negotiation resolves to 1000/full
            case LP_ABILITY -> link ? 0x4000 | 0x01E1 : 0;
            case AUTONEG_EXP -> link ? 0x0001 : 0;
            case GB_STATUS -> link ? 0x3000 | 0x0C00 : 0;
            case M88_SPEC_STATUS -> link ? M88_STATUS_UP : 0;
            default -> reg >= 0 && reg < 32 ? regs[reg] : 0;
        };
    }

    void write(int reg, int value) {
        if (reg < 0 || reg >= 32) return;
        if (reg == CTRL) {
            // reset and restart-negotiation complete at once, so their bits read back clear
            if ((value & CTRL_RESET) != 0) reset();
            regs[CTRL] = value & ~(CTRL_RESET | CTRL_RESTART_AN);
            return;
        }
        if (reg == STATUS || reg == ID1 || reg == ID2 || reg == LP_ABILITY || reg == AUTONEG_EXP || reg == GB_STATUS
                || reg == EXT_STATUS || reg == M88_SPEC_STATUS) {
            return;   // read-only
        }
        regs[reg] = value & 0xFFFF;
    }
}
