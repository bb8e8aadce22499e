package org.jhyve.vm.emul;

/**
 * POPCNT, LZCNT and TZCNT (F3 0F B8 / BD / BC), which KVM's emulator does not know; the Debian
 * kernel's hweight helpers are patched to POPCNT at boot when CPUID offers it. Flags as the
 * SDM gives them: POPCNT clears all but ZF (source zero); LZCNT/TZCNT set CF when the source
 * is zero and ZF when the result is zero, the others undefined (left as they were).
 */
final class BitCount {
    private static final long ARITH = 0x8D5; // CF PF AF ZF SF OF

    private BitCount() {}

    static String execute(Context c) {
        Insn i = c.insn();
        if (!i.rep() || i.lock()) throw new EmulationException("no emulation for " + (i.lock() ? "locked " : "") + i.mnemonicKey() + " without F3");
        int size = i.opSize();
        long src = c.readRm(size);
        int bits = size * 8;
        long result;
        CpuState cpu = c.cpu();
        long flags = cpu.rflags();
        String name;
        switch (i.opcode()) {
            case 0xB8 -> {
                name = "popcnt";
                result = Long.bitCount(src);
                flags = (flags & ~ARITH) | (src == 0 ? Regs.RFLAGS_ZF : 0);
            }
            case 0xBD -> {
                name = "lzcnt";
                result = src == 0 ? bits : Long.numberOfLeadingZeros(src) - (64 - bits);
                flags = (flags & ~(Regs.RFLAGS_CF | Regs.RFLAGS_ZF)) | (src == 0 ? Regs.RFLAGS_CF : 0) | (result == 0 ? Regs.RFLAGS_ZF : 0);
            }
            case 0xBC -> {
                name = "tzcnt";
                result = src == 0 ? bits : Long.numberOfTrailingZeros(src);
                flags = (flags & ~(Regs.RFLAGS_CF | Regs.RFLAGS_ZF)) | (src == 0 ? Regs.RFLAGS_CF : 0) | (result == 0 ? Regs.RFLAGS_ZF : 0);
            }
            default -> throw new IllegalStateException("not a bit count: " + i.mnemonicKey());
        }
        c.writeReg(i.reg(), size, result);
        cpu.setRflags(flags);
        c.retire();
        return name;
    }
}
