package org.jhyve.vm.emul;

/**
 * INT n (CD ib), INT3 (CC), INTO (CE) and INT1 (F1) in protected and long mode, which KVM's
 * emulator refuses ("protected mode interrupts unimplemented"). The gate is checked here the
 * way the processor checks it before delivery (IDT limit, gate type, present, DPL against CPL
 * for the software forms), so those faults point at the instruction; then RIP moves past the
 * instruction and the event goes to KVM for delivery, which pushes that RIP as the return
 * address (measured on this machine: docs/emulation.md).
 */
final class SoftwareInterrupt {
    private SoftwareInterrupt() {}

    static String execute(Context c) {
        Insn i = c.insn();
        CpuState cpu = c.cpu();
        if ((cpu.rflags() & Regs.RFLAGS_VM) != 0) throw new EmulationException("INT in virtual-8086 mode is not emulated");
        int vector;
        boolean exception;
        boolean checkDpl = true;
        String name;
        switch (i.opcode()) {
            case 0xCC -> { vector = Fault.BP; exception = true; name = "int3"; }
            case 0xCD -> { vector = (int) i.imm(); exception = false; name = "int 0x" + Integer.toHexString(vector); }
            case 0xCE -> {
                if (c.mode() == Decoder.CodeMode.BITS64) throw new Fault.Raised(Fault.ud());
                if ((cpu.rflags() & Regs.RFLAGS_OF) == 0) {
                    c.retire();
                    return "into (no overflow)";
                }
                vector = Fault.OF;
                exception = true;
                name = "into";
            }
            case 0xF1 -> { vector = Fault.DB; exception = true; checkDpl = false; name = "int1"; }
            default -> throw new IllegalStateException("not a software interrupt: " + i.mnemonicKey());
        }
        checkGate(c, vector, checkDpl);
        c.retire();
        cpu.injectSoftware(vector, exception);
        return name;
    }

    private static void checkGate(Context c, int vector, boolean checkDpl) {
        CpuState cpu = c.cpu();
        boolean longMode = (cpu.efer() & Regs.EFER_LMA) != 0;
        int size = longMode ? 16 : 8;
        int error = vector * 8 + 2; // IDT bit set, EXT clear: the software form caused it
        CpuState.Table idt = cpu.idt();
        if ((long) vector * size + size - 1 > idt.limit()) throw new Fault.Raised(Fault.gp(error));
        byte[] g = c.mmu().read(idt.base() + (long) vector * size, 8, Mmu.Access.READ, Mmu.Mode.IMPLICIT);
        int flags = g[5] & 0xFF;
        int type = flags & 0xF;
        boolean valid = longMode ? type == 0xE || type == 0xF : type == 0x5 || type == 0x6 || type == 0x7 || type == 0xE
                || type == 0xF;
        if (!valid || (flags & 0x10) != 0) throw new Fault.Raised(Fault.gp(error));
        if (checkDpl && ((flags >>> 5) & 3) < cpu.cpl()) throw new Fault.Raised(Fault.gp(error));
        if ((flags & 0x80) == 0) throw new Fault.Raised(new Fault(Fault.NP, error, 0));
    }
}
