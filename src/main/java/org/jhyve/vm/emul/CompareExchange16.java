package org.jhyve.vm.emul;

import org.jhyve.sys.Cas16;

/**
 * CMPXCHG16B m128 (REX.W 0F C7 /1), which KVM's emulator refuses. The compare-and-swap is done
 * with the host's own LOCK CMPXCHG16B on the host mapping of the guest page ({@link Cas16}), so
 * it is atomic against every other writer: other vCPUs running natively, KVM's emulator on
 * other vCPUs, and devices. The guest page is translated for a write (the instruction always
 * writes, even when the comparison fails), the operand must be 16-byte aligned (#GP(0)).
 */
final class CompareExchange16 {
    private CompareExchange16() {}

    static String execute(Context c) {
        Insn i = c.insn();
        if (!i.rexW()) throw new EmulationException("CMPXCHG8B is KVM's to emulate; it reached jhyve (bytes decoded as " + i.mnemonicKey() + ")");
        if (i.rep() || i.repne()) throw new Fault.Raised(Fault.ud());
        long la = c.linear(16, true);
        if ((la & 15) != 0) throw new Fault.Raised(Fault.gp(0));
        long gpa = c.mmu().translate(la, Mmu.Access.WRITE, c.mmu().programMode());
        CpuState cpu = c.cpu();
        Cas16.Result r = Cas16.compareAndSwap(c.mmu().ram(gpa, 16), cpu.gpr(CpuState.RAX), cpu.gpr(CpuState.RDX),
                cpu.gpr(CpuState.RBX), cpu.gpr(CpuState.RCX));
        long flags = cpu.rflags();
        if (r.swapped()) {
            cpu.setRflags(flags | Regs.RFLAGS_ZF);
        } else {
            cpu.setRflags(flags & ~Regs.RFLAGS_ZF);
            cpu.setGpr(CpuState.RAX, r.oldLow());
            cpu.setGpr(CpuState.RDX, r.oldHigh());
        }
        c.retire();
        return String.format("cmpxchg16b [0x%x] %s", la, r.swapped() ? "swapped" : "differed");
    }
}
