package org.jhyve.vm.emul;

/** One instruction being carried out: the decoded form, the guest state and its memory. */
record Context(CpuState cpu, Mmu mmu, Insn insn, Decoder.CodeMode mode) {
    long nextRip() {
        long r = cpu.rip() + insn.length();
        return mode == Decoder.CodeMode.BITS64 ? r : r & 0xFFFF_FFFFL;
    }

    /** Moves RIP past the instruction. */
    void retire() { cpu.setRip(nextRip()); }

    /** The memory operand; #UD when the instruction has a register there instead. */
    Operand memOperand() {
        if (insn.mem() == null) throw new Fault.Raised(Fault.ud());
        return insn.mem();
    }

    /** The linear address of {@code len} bytes of the memory operand, after segment checks. */
    long linear(int len, boolean write) {
        Operand op = memOperand();
        long ea = op.effectiveAddress(cpu, nextRip());
        SegReg sr = op.segment();
        Fault segFault = sr == SegReg.SS ? new Fault(Fault.SS, 0, 0) : Fault.gp(0);
        if (mode == Decoder.CodeMode.BITS64) {
            long base = sr == SegReg.FS || sr == SegReg.GS ? cpu.segment(sr).base() : 0;
            long la = base + ea;
            if (!canonical(la) || !canonical(la + len - 1)) throw new Fault.Raised(segFault);
            return la;
        }
        Segment s = cpu.segment(sr);
        if (s.unusable() || !s.present()) throw new Fault.Raised(segFault);
        boolean code = (s.type() & 8) != 0;
        if (write && (code || (s.type() & 2) == 0)) throw new Fault.Raised(segFault);
        if (code && (s.type() & 2) == 0) throw new Fault.Raised(segFault); // execute-only
        long limit = Integer.toUnsignedLong(s.limit());
        boolean expandDown = !code && (s.type() & 4) != 0;
        long last = ea + len - 1;
        boolean ok = expandDown ? ea > limit && last <= (s.db() ? 0xFFFF_FFFFL : 0xFFFF) : last <= limit;
        if (!ok) throw new Fault.Raised(segFault);
        return (s.base() + ea) & 0xFFFF_FFFFL;
    }

    /** The r/m operand of {@code size} bytes (2, 4 or 8): a register, or memory through the page tables. */
    long readRm(int size) {
        if (insn.rm() >= 0) return mask(cpu.gpr(insn.rm()), size);
        long la = linear(size, false);
        byte[] b = mmu.read(la, size, Mmu.Access.READ, mmu.programMode());
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = v << 8 | (b[i] & 0xFF);
        return v;
    }

    /** Writes a general register as x86 does: 32-bit results zero-extend, 16-bit ones merge. */
    void writeReg(int reg, int size, long value) {
        long v = switch (size) {
            case 8 -> value;
            case 4 -> value & 0xFFFF_FFFFL;
            case 2 -> (cpu.gpr(reg) & ~0xFFFFL) | (value & 0xFFFF);
            default -> throw new IllegalArgumentException("operand size " + size);
        };
        cpu.setGpr(reg, v);
    }

    static long mask(long v, int size) { return size == 8 ? v : v & ((1L << (8 * size)) - 1); }

    boolean canonical(long la) {
        int bits = (cpu.cr4() & Regs.CR4_LA57) != 0 ? 57 : 48;
        return la << (64 - bits) >> (64 - bits) == la;
    }
}
