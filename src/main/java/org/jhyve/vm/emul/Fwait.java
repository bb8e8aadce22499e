package org.jhyve.vm.emul;

/**
 * FWAIT (9B), which KVM's emulator refuses here; the Debian kernel runs it in its FPU
 * set-up. #NM when CR0.MP and CR0.TS are both set, #MF when the x87 status word holds an
 * exception its control word does not mask, else nothing.
 */
final class Fwait {
    private static final long CR0_MP = 2;

    private Fwait() {}

    static String execute(Context c) {
        CpuState cpu = c.cpu();
        if ((cpu.cr0() & (CR0_MP | Regs.CR0_TS)) == (CR0_MP | Regs.CR0_TS)) throw new Fault.Raised(new Fault(Fault.NM, -1, 0));
        byte[] x = cpu.xsave();
        int fcw = (x[0] & 0xFF) | (x[1] & 0xFF) << 8, fsw = (x[2] & 0xFF) | (x[3] & 0xFF) << 8;
        if ((fsw & ~fcw & 0x3F) != 0) throw new Fault.Raised(new Fault(16, -1, 0)); // #MF
        c.retire();
        return "fwait";
    }
}
