package org.jhyve.vm.emul;

import org.jhyve.sys.KvmLayouts;
import org.jhyve.sys.KvmVcpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@link CpuState} on a KVM vCPU (called on the vCPU's own thread, between two KVM_RUNs).
 * Registers, special registers and the XSAVE area are read on first use and written back
 * only when changed; events go in last, after the state they are delivered from.
 */
public final class KvmCpuState implements CpuState, AutoCloseable {
    /** struct kvm_regs order (rax rbx rcx rdx rsi rdi rsp rbp r8...) for each x86 register number. */
    private static final int[] KVM_INDEX = {0, 2, 3, 1, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
    private static final long RIP = 16 * 8, RFLAGS = 17 * 8;
    private static final String[] SEG_NAMES = {"es", "cs", "ss", "ds", "fs", "gs"};

    private final KvmVcpu vcpu;
    private final Arena arena = Arena.ofConfined();
    private MemorySegment regs, sregs;
    private byte[] xsave;
    private long xcr0 = -1;
    private boolean regsDirty, sregsDirty, xsaveDirty;
    private Fault fault;
    private int softVector = -1;
    private boolean softIsException;

    public KvmCpuState(KvmVcpu vcpu) { this.vcpu = vcpu; }

    private MemorySegment regs() {
        if (regs == null) regs = arena.allocate(KvmLayouts.REGS).copyFrom(vcpu.getRegs());
        return regs;
    }

    private MemorySegment sregs() {
        if (sregs == null) sregs = arena.allocate(KvmLayouts.SREGS).copyFrom(vcpu.getSregs());
        return sregs;
    }

    @Override public long gpr(int reg) { return regs().get(JAVA_LONG, 8L * KVM_INDEX[reg]); }

    @Override public void setGpr(int reg, long value) {
        regs().set(JAVA_LONG, 8L * KVM_INDEX[reg], value);
        regsDirty = true;
    }

    @Override public long rip() { return regs().get(JAVA_LONG, RIP); }

    @Override public void setRip(long rip) {
        regs().set(JAVA_LONG, RIP, rip);
        regsDirty = true;
    }

    @Override public long rflags() { return regs().get(JAVA_LONG, RFLAGS); }

    @Override public void setRflags(long rflags) {
        regs().set(JAVA_LONG, RFLAGS, rflags | 2);
        regsDirty = true;
    }

    private static long segOffset(SegReg r) { return KvmLayouts.offset(KvmLayouts.SREGS, SEG_NAMES[r.ordinal()]); }

    @Override public Segment segment(SegReg reg) {
        MemorySegment s = sregs();
        long o = segOffset(reg);
        return new Segment(s.get(JAVA_LONG, o), s.get(JAVA_INT, o + 8), Short.toUnsignedInt(s.get(JAVA_SHORT, o + 12)),
                s.get(JAVA_BYTE, o + 14), s.get(JAVA_BYTE, o + 15) != 0, s.get(JAVA_BYTE, o + 16),
                s.get(JAVA_BYTE, o + 17) != 0, s.get(JAVA_BYTE, o + 18) == 0, s.get(JAVA_BYTE, o + 19) != 0,
                s.get(JAVA_BYTE, o + 20) != 0, s.get(JAVA_BYTE, o + 22) != 0);
    }

    @Override public void setSegment(SegReg reg, Segment v) {
        MemorySegment s = sregs();
        long o = segOffset(reg);
        s.set(JAVA_LONG, o, v.base());
        s.set(JAVA_INT, o + 8, v.limit());
        s.set(JAVA_SHORT, o + 12, (short) v.selector());
        s.set(JAVA_BYTE, o + 14, (byte) v.type());
        s.set(JAVA_BYTE, o + 15, (byte) (v.present() ? 1 : 0));
        s.set(JAVA_BYTE, o + 16, (byte) v.dpl());
        s.set(JAVA_BYTE, o + 17, (byte) (v.db() ? 1 : 0));
        s.set(JAVA_BYTE, o + 18, (byte) (v.system() ? 0 : 1));
        s.set(JAVA_BYTE, o + 19, (byte) (v.longMode() ? 1 : 0));
        s.set(JAVA_BYTE, o + 20, (byte) (v.granularity() ? 1 : 0));
        s.set(JAVA_BYTE, o + 22, (byte) (v.unusable() ? 1 : 0));
        sregsDirty = true;
    }

    private Table table(String name) {
        long o = KvmLayouts.offset(KvmLayouts.SREGS, name);
        return new Table(sregs().get(JAVA_LONG, o), Short.toUnsignedInt(sregs().get(JAVA_SHORT, o + 8)));
    }

    @Override public Table idt() { return table("idt"); }

    @Override public Table gdt() { return table("gdt"); }

    private long sreg(String name) { return sregs().get(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, name)); }

    @Override public long cr0() { return sreg("cr0"); }

    @Override public long cr3() { return sreg("cr3"); }

    /** CR2: the linear address of the last page fault. */
    public long cr2() { return sreg("cr2"); }

    @Override public long cr4() { return sreg("cr4"); }

    @Override public long efer() { return sreg("efer"); }

    @Override public long xcr0() {
        if (xcr0 == -1) {
            xcr0 = vcpu.getXcr(0);
            if (xcr0 == -1) throw new EmulationException("KVM reports no XCR0 for vcpu " + vcpu.id());
        }
        return xcr0;
    }

    @Override public long xss() {
        try {
            return vcpu.getMsr(0xDA0);
        } catch (RuntimeException e) {
            return 0; // KVM offers no IA32_XSS: no supervisor components
        }
    }

    @Override public byte[] xsave() {
        if (xsave == null) xsave = vcpu.getXsave();
        return xsave.clone();
    }

    @Override public void setXsave(byte[] area) {
        xsave = area.clone();
        xsaveDirty = true;
    }

    @Override public void raise(Fault f) { this.fault = f; }

    @Override public void injectSoftware(int vector, boolean exception) {
        this.softVector = vector;
        this.softIsException = exception;
    }

    @Override public void discard() {
        regs = null;
        sregs = null;
        xsave = null;
        regsDirty = sregsDirty = xsaveDirty = false;
        softVector = -1;
        fault = null;
    }

    @Override public void commit() {
        try {
            if (fault != null && fault.vector() == Fault.PF) {
                sregs().set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, "cr2"), fault.cr2());
                sregsDirty = true;
            }
            if (regsDirty) vcpu.setRegs(regs);
            if (sregsDirty) vcpu.setSregs(sregs);
            if (xsaveDirty) vcpu.setXsave(xsave);
            if (fault != null || softVector >= 0) {
                MemorySegment ev = vcpu.getEvents(arena);
                long ex = KvmLayouts.offset(KvmLayouts.VCPU_EVENTS, "exception");
                long in = KvmLayouts.offset(KvmLayouts.VCPU_EVENTS, "interrupt");
                if (fault != null) {
                    exception(ev, ex, fault.vector(), fault.hasErrorCode(), fault.errorCode());
                } else if (softIsException) {
                    exception(ev, ex, softVector, false, 0);
                } else {
                    ev.set(JAVA_BYTE, in, (byte) 1);
                    ev.set(JAVA_BYTE, in + 1, (byte) softVector);
                    ev.set(JAVA_BYTE, in + 2, (byte) 1); // soft: INT n
                }
                vcpu.setEvents(ev);
            }
        } finally {
            regsDirty = sregsDirty = xsaveDirty = false;
            fault = null;
            softVector = -1;
        }
    }

    private static void exception(MemorySegment ev, long ex, int vector, boolean hasError, int error) {
        ev.set(JAVA_BYTE, ex, (byte) 1); // injected
        ev.set(JAVA_BYTE, ex + 1, (byte) vector);
        ev.set(JAVA_BYTE, ex + 2, (byte) (hasError ? 1 : 0));
        ev.set(JAVA_BYTE, ex + 3, (byte) 0);
        ev.set(JAVA_INT, ex + 4, hasError ? error : 0);
    }

    /** Frees the buffers; the state must have been committed or discarded. */
    public void close() { arena.close(); }
}
