package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A vCPU file descriptor, its shared kvm_run page and its ioctls. Everything except {@link #kick}
 * is called from the vCPU's own thread: KVM serialises vCPU ioctls on a mutex, so a call from
 * another thread would wait for KVM_RUN to return.
 */
public final class KvmVcpu implements AutoCloseable {
    public static final long RUN = Kvm.io(0x80), GET_REGS = Kvm.ior(0x81, 144), SET_REGS = Kvm.iow(0x82, 144),
            GET_SREGS = Kvm.ior(0x83, 312), SET_SREGS = Kvm.iow(0x84, 312), GET_MSRS = Kvm.iowr(0x88, 8),
            SET_MSRS = Kvm.iow(0x89, 8), SET_CPUID2 = Kvm.iow(0x90, 8), GET_MP_STATE = Kvm.ior(0x98, 4),
            SET_MP_STATE = Kvm.iow(0x99, 4), NMI = Kvm.io(0x9a), GET_VCPU_EVENTS = Kvm.ior(0x9f, 64),
            SET_VCPU_EVENTS = Kvm.iow(0xa0, 64), GET_LAPIC = Kvm.ior(0x8e, 1024), SET_LAPIC = Kvm.iow(0x8f, 1024),
            GET_XSAVE = Kvm.ior(0xa4, 4096), SET_XSAVE = Kvm.iow(0xa5, 4096), GET_XCRS = Kvm.ior(0xa6, 392),
            SET_XCRS = Kvm.iow(0xa7, 392), SET_GUEST_DEBUG = Kvm.iow(0x9b, 72);

    /** Size of struct kvm_xsave: the standard-format XSAVE area (legacy, header, components). */
    public static final int XSAVE_SIZE = 4096;

    // struct kvm_run offsets (linux/kvm.h); the exit union starts at 32.
    public static final long RUN_IMMEDIATE_EXIT = 1, RUN_EXIT_REASON = 8, RUN_IF_FLAG = 13, RUN_EXIT = 32;

    public static final int EXIT_UNKNOWN = 0, EXIT_EXCEPTION = 1, EXIT_IO = 2, EXIT_HYPERCALL = 3, EXIT_DEBUG = 4,
            EXIT_HLT = 5, EXIT_MMIO = 6, EXIT_IRQ_WINDOW_OPEN = 7, EXIT_SHUTDOWN = 8, EXIT_FAIL_ENTRY = 9,
            EXIT_INTR = 10, EXIT_INTERNAL_ERROR = 17, EXIT_SYSTEM_EVENT = 24, EXIT_X86_RDMSR = 29,
            EXIT_X86_WRMSR = 30;

    public static final int MP_STATE_RUNNABLE = 0, MP_STATE_UNINITIALIZED = 1, MP_STATE_INIT_RECEIVED = 2,
            MP_STATE_HALTED = 3, MP_STATE_SIPI_RECEIVED = 4;

    private final KvmVm vm;
    private final int id;
    private final int fd;
    private final MemorySegment run;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment regs = arena.allocate(KvmLayouts.REGS);
    private final MemorySegment sregs = arena.allocate(KvmLayouts.SREGS);

    KvmVcpu(KvmVm vm, int id, int fd, int mmapSize) {
        this.vm = vm;
        this.id = id;
        this.fd = fd;
        this.run = Libc.mmap(mmapSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0, "kvm_run of vcpu " + id);
    }

    public int id() { return id; }

    public int fd() { return fd; }

    public KvmVm vm() { return vm; }

    /** The shared kvm_run structure. */
    public MemorySegment runPage() { return run; }

    private boolean traced;

    /** KVM_RUN: returns 0, or -errno (EINTR after a kick, EAGAIN). */
    public int run() {
        if (StartupTrace.on() && !traced) {
            traced = true;
            StartupTrace.mark("first KVM_RUN of vcpu " + id);
        }
        return Libc.ioctlRaw(fd, RUN, 0L);
    }

    public int exitReason() { return run.get(JAVA_INT, RUN_EXIT_REASON); }

    public void setImmediateExit(boolean on) { run.set(JAVA_BYTE, RUN_IMMEDIATE_EXIT, (byte) (on ? 1 : 0)); }

    /** Register file, read into a buffer owned by this vCPU (valid until the next getRegs). */
    public MemorySegment getRegs() {
        Libc.ioctl(fd, GET_REGS, regs, "KVM_GET_REGS vcpu " + id);
        return regs;
    }

    public void setRegs(MemorySegment r) {
        Libc.ioctl(fd, SET_REGS, r, "KVM_SET_REGS vcpu " + id);
    }

    public MemorySegment getSregs() {
        Libc.ioctl(fd, GET_SREGS, sregs, "KVM_GET_SREGS vcpu " + id);
        return sregs;
    }

    public void setSregs(MemorySegment s) {
        Libc.ioctl(fd, SET_SREGS, s, "KVM_SET_SREGS vcpu " + id);
    }

    public void setCpuid(CpuidEntry[] entries) {
        try (Arena a = Arena.ofConfined()) {
            long es = KvmLayouts.CPUID_ENTRY2.byteSize();
            MemorySegment buf = a.allocate(8 + entries.length * es, 8);
            int[] raw = new int[2 + entries.length * CpuidEntry.INTS];
            raw[0] = entries.length;
            for (int i = 0; i < entries.length; i++) entries[i].toInts(raw, 2 + i * CpuidEntry.INTS);
            // the header (nent, padding) and the entries, in one bulk copy
            MemorySegment.copy(raw, 0, buf, JAVA_INT, 0, raw.length);
            Libc.ioctl(fd, SET_CPUID2, buf, "KVM_SET_CPUID2 vcpu " + id + " (" + entries.length + " entries)");
        }
    }

    /** KVM_SET_MSRS for (index, value) pairs; fails if KVM refused any of them. */
    public void setMsrs(long[][] msrs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8 + 16L * msrs.length, 8);
            buf.set(JAVA_INT, 0, msrs.length);
            for (int i = 0; i < msrs.length; i++) {
                buf.set(JAVA_INT, 8 + 16L * i, (int) msrs[i][0]);
                buf.set(JAVA_LONG, 16 + 16L * i, msrs[i][1]);
            }
            int n = Libc.ioctl(fd, SET_MSRS, buf, "KVM_SET_MSRS vcpu " + id);
            if (n != msrs.length) {
                throw new IllegalStateException(String.format("KVM_SET_MSRS vcpu %d: MSR 0x%x refused", id, msrs[n][0]));
            }
        }
    }

    public long getMsr(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(24, 8);
            buf.set(JAVA_INT, 0, 1);
            buf.set(JAVA_INT, 8, index);
            // The message is built only on failure: MSR reads can be frequent.
            int n = Libc.ioctlRaw(fd, GET_MSRS, buf.address());
            if (n < 0) throw new SysException("KVM_GET_MSRS 0x" + Integer.toHexString(index), -n);
            if (n != 1) throw new IllegalStateException(String.format("KVM_GET_MSRS: MSR 0x%x not readable", index));
            return buf.get(JAVA_LONG, 16);
        }
    }

    public int getMpState() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(JAVA_INT);
            Libc.ioctl(fd, GET_MP_STATE, s, "KVM_GET_MP_STATE vcpu " + id);
            return s.get(JAVA_INT, 0);
        }
    }

    public void setMpState(int state) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(JAVA_INT);
            s.set(JAVA_INT, 0, state);
            Libc.ioctl(fd, SET_MP_STATE, s, "KVM_SET_MP_STATE vcpu " + id);
        }
    }

    public void nmi() {
        Libc.ioctl(fd, NMI, 0L, "KVM_NMI vcpu " + id);
    }

    public MemorySegment getEvents(Arena a) {
        MemorySegment e = a.allocate(KvmLayouts.VCPU_EVENTS);
        Libc.ioctl(fd, GET_VCPU_EVENTS, e, "KVM_GET_VCPU_EVENTS vcpu " + id);
        return e;
    }

    public void setEvents(MemorySegment e) {
        Libc.ioctl(fd, SET_VCPU_EVENTS, e, "KVM_SET_VCPU_EVENTS vcpu " + id);
    }

    /** KVM_GET_XSAVE: the vCPU's extended state in standard (non-compacted) XSAVE format. */
    public byte[] getXsave() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment x = a.allocate(XSAVE_SIZE, 64);
            Libc.ioctl(fd, GET_XSAVE, x, "KVM_GET_XSAVE vcpu " + id);
            return x.toArray(JAVA_BYTE);
        }
    }

    /** KVM_SET_XSAVE with a 4096-byte standard-format area. */
    public void setXsave(byte[] area) {
        if (area.length != XSAVE_SIZE) throw new IllegalArgumentException("kvm_xsave is " + XSAVE_SIZE + " bytes, got " + area.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment x = a.allocate(XSAVE_SIZE, 64);
            MemorySegment.copy(area, 0, x, JAVA_BYTE, 0, XSAVE_SIZE);
            Libc.ioctl(fd, SET_XSAVE, x, "KVM_SET_XSAVE vcpu " + id);
        }
    }

    /** KVM_GET_XCRS: the value of extended control register {@code index} (0 = XCR0), or -1 when KVM has none. */
    public long getXcr(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment x = a.allocate(392, 8);
            Libc.ioctl(fd, GET_XCRS, x, "KVM_GET_XCRS vcpu " + id);
            int n = Math.min(x.get(JAVA_INT, 0), 16);
            for (int i = 0; i < n; i++) {
                if (x.get(JAVA_INT, 8 + 16L * i) == index) return x.get(JAVA_LONG, 16 + 16L * i);
            }
            return -1;
        }
    }

    /** KVM_SET_XCRS for one extended control register. */
    public void setXcr(int index, long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment x = a.allocate(392, 8);
            x.set(JAVA_INT, 0, 1);
            x.set(JAVA_INT, 8, index);
            x.set(JAVA_LONG, 16, value);
            Libc.ioctl(fd, SET_XCRS, x, "KVM_SET_XCRS xcr" + index + "=0x" + Long.toHexString(value) + " vcpu " + id);
        }
    }

    /**
     * KVM_SET_GUEST_DEBUG: control flags (KVM_GUESTDBG_*) and the debug registers DR0-DR7 as
     * jhyve wants them for its own breakpoints (indexes 4 and 5 unused).
     */
    public void setGuestDebug(int control, long[] dr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(72);
            s.set(JAVA_INT, 0, control);
            for (int i = 0; i < 8 && i < dr.length; i++) s.set(JAVA_LONG, 8 + 8L * i, dr[i]);
            Libc.ioctl(fd, SET_GUEST_DEBUG, s, "KVM_SET_GUEST_DEBUG vcpu " + id);
        }
    }

    @Override
    public void close() {
        Libc.munmap(run);
        Libc.close(fd);
        arena.close();
    }
}
