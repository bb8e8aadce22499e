package org.jhyve.devices.e1000;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Receive address filtering as RCTL, RAL/RAH, MTA and VFTA define it: exact matches in the 16
 * receive address registers (AV set), unicast/multicast promiscuous modes, broadcast accept,
 * the 4096-bit multicast hash indexed by 12 destination-address bits that RCTL.MO selects, and
 * VLAN filtering by VFTA when RCTL.VFE is set.
 */
final class RxFilter {
    private RxFilter() {}

    /** Whether the frame (destination at 0) passes; regs reads a register by offset. */
    static boolean accepts(MemorySegment frame, int len, java.util.function.IntUnaryOperator regs) {
        if (len < 14) return false;
        int rctl = regs.applyAsInt(Regs.RCTL);
        int[] d = new int[6];
        for (int i = 0; i < 6; i++) d[i] = frame.get(JAVA_BYTE, i) & 0xFF;
        if (!vlanPasses(frame, len, rctl, regs)) return false;
        boolean multicast = (d[0] & 1) != 0;
        boolean broadcast = d[0] == 0xFF && d[1] == 0xFF && d[2] == 0xFF && d[3] == 0xFF && d[4] == 0xFF && d[5] == 0xFF;
        if (broadcast) return (rctl & Regs.RCTL_BAM) != 0 || (rctl & Regs.RCTL_MPE) != 0;
        if (multicast && (rctl & Regs.RCTL_MPE) != 0) return true;
        if (!multicast && (rctl & Regs.RCTL_UPE) != 0) return true;
        long dst = 0;
        for (int i = 5; i >= 0; i--) dst = dst << 8 | d[i];
        for (int r = 0; r < 16; r++) {
            int high = regs.applyAsInt(Regs.RA + 8 * r + 4);
            if ((high & Regs.RAH_AV) == 0) continue;
            long addr = (regs.applyAsInt(Regs.RA + 8 * r) & 0xFFFFFFFFL) | (long) (high & 0xFFFF) << 32;
            if (addr == dst) return true;
        }
        if (multicast) {
            int h = hash(d, rctl >>> Regs.RCTL_MO_SHIFT & 3);
            return (regs.applyAsInt(Regs.MTA + 4 * (h >>> 5)) >>> (h & 31) & 1) != 0;
        }
        return false;
    }

    /** The 12-bit MTA index: destination bits 47:36 (MO 0), 46:35, 45:34 or 43:32 (MO 3). */
    static int hash(int[] d, int mo) {
        return switch (mo) {
            case 0 -> d[4] >>> 4 | d[5] << 4;
            case 1 -> d[4] >>> 3 | d[5] << 5;
            case 2 -> d[4] >>> 2 | d[5] << 6;
            default -> d[4] | d[5] << 8;
        } & 0xFFF;
    }

    private static boolean vlanPasses(MemorySegment frame, int len, int rctl, java.util.function.IntUnaryOperator regs) {
        if ((rctl & Regs.RCTL_VFE) == 0 || len < 18) return true;
        int type = Checksum.u16(frame, 12);
        if (type != (regs.applyAsInt(Regs.VET) & 0xFFFF)) return true;
        int vid = Checksum.u16(frame, 14) & 0xFFF;
        return (regs.applyAsInt(Regs.VFTA + 4 * (vid >>> 5)) >>> (vid & 31) & 1) != 0;
    }
}
