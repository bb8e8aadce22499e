package org.jhyve.vm.emul;

/**
 * CLAC and STAC (0F 01 CA / CB), SMAP's brackets around user-memory accesses, which KVM's
 * emulator does not know; the Debian kernel runs them from its entry code on. Ring 0 only.
 */
final class AccessFlag {
    private AccessFlag() {}

    static String execute(Context c) {
        Insn i = c.insn();
        if (i.lock() || c.cpu().cpl() != 0) throw new Fault.Raised(Fault.ud());
        boolean set = i.modrm() == 0xCB;
        long f = c.cpu().rflags();
        c.cpu().setRflags(set ? f | Regs.RFLAGS_AC : f & ~Regs.RFLAGS_AC);
        c.retire();
        return set ? "stac" : "clac";
    }
}
