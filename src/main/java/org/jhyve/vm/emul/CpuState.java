package org.jhyve.vm.emul;

/**
 * The guest state an emulated instruction reads and changes. The KVM implementation loads
 * registers lazily and writes back only what changed ({@link #commit}); tests use a plain
 * in-memory one. General-purpose registers are numbered as x86 encodes them (0 RAX, 1 RCX,
 * 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15).
 */
public interface CpuState {
    int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;

    long gpr(int reg);

    void setGpr(int reg, long value);

    long rip();

    void setRip(long rip);

    long rflags();

    void setRflags(long rflags);

    Segment segment(SegReg reg);

    void setSegment(SegReg reg, Segment value);

    /** IDT or GDT base and limit. */
    record Table(long base, int limit) {}

    Table idt();

    Table gdt();

    long cr0();

    long cr3();

    long cr4();

    long efer();

    /** XCR0 (which state components XSAVE manages). */
    long xcr0();

    /** IA32_XSS (supervisor state components XSAVES manages); 0 where the guest has none. */
    long xss();

    /** The vCPU's extended state in standard XSAVE format (KVM_GET_XSAVE, 4096 bytes). */
    byte[] xsave();

    void setXsave(byte[] area);

    /** Raises an exception in the guest at the current RIP, as a fault of the instruction. */
    void raise(Fault fault);

    /**
     * Delivers a software interrupt (INT n: {@code exception} false) or software exception
     * (INT3, INTO, INT1: true) through the guest's IDT, returning to the current RIP: the caller
     * has already moved RIP past the instruction.
     */
    void injectSoftware(int vector, boolean exception);

    /** Drops every change not yet committed (a fault ends the instruction with no effect). */
    void discard();

    /** Writes every change back to the vCPU. */
    void commit();

    /** Current privilege level: CS.DPL, as KVM keeps it (SS.DPL equals it outside real mode). */
    default int cpl() { return segment(SegReg.SS).dpl(); }

    default boolean longMode64() { return (efer() & Regs.EFER_LMA) != 0 && segment(SegReg.CS).longMode(); }

    default boolean protectedMode() { return (cr0() & Regs.CR0_PE) != 0; }
}
