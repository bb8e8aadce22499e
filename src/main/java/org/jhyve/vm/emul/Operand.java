package org.jhyve.vm.emul;

/**
 * A ModRM memory operand: segment:[base + index*scale + disp]. {@code base} and {@code index}
 * are register numbers or {@link #NONE}; {@link #RIP} as base means RIP-relative (the
 * displacement is relative to the next instruction).
 */
public record Operand(SegReg segment, int base, int index, int scale, long disp, int addressSize) {
    public static final int NONE = -1, RIP = 16;

    /** The effective address (offset within the segment) for the given register values. */
    public long effectiveAddress(CpuState cpu, long nextRip) {
        long ea = disp;
        if (base == RIP) ea += nextRip;
        else if (base != NONE) ea += cpu.gpr(base);
        if (index != NONE) ea += cpu.gpr(index) * scale;
        return switch (addressSize) {
            case 8 -> ea;
            case 4 -> ea & 0xFFFF_FFFFL;
            default -> ea & 0xFFFF;
        };
    }
}
