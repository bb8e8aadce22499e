package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** A KVM VM file descriptor and its ioctls. */
public final class KvmVm implements AutoCloseable {
    public static final long SET_USER_MEMORY_REGION = Kvm.iow(0x46, 32), SET_TSS_ADDR = Kvm.io(0x47),
            SET_IDENTITY_MAP_ADDR = Kvm.iow(0x48, 8), CREATE_IRQCHIP = Kvm.io(0x60), IRQ_LINE = Kvm.iow(0x61, 8),
            CREATE_PIT2 = Kvm.iow(0x77, 64), IRQFD = Kvm.iow(0x76, 32), IOEVENTFD = Kvm.iow(0x79, 64),
            SIGNAL_MSI = Kvm.iow(0xa5, 32), ENABLE_CAP = Kvm.iow(0xa3, 104), CREATE_VCPU = Kvm.io(0x41),
            X86_SET_MSR_FILTER = Kvm.iow(0xc6, 392), SET_GSI_ROUTING = Kvm.iow(0x6a, 8),
            REINJECT_CONTROL = Kvm.io(0x71);

    public static final int MEM_READONLY = 2;
    public static final int PIT_SPEAKER_DUMMY = 1;

    private final Kvm kvm;
    private final int fd;

    KvmVm(Kvm kvm, int fd) {
        this.kvm = kvm;
        this.fd = fd;
    }

    public Kvm kvm() { return kvm; }

    public int fd() { return fd; }

    public void setUserMemoryRegion(int slot, int flags, long guestPhys, long size, MemorySegment host) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(KvmLayouts.USERSPACE_MEMORY_REGION);
            r.set(JAVA_INT, 0, slot);
            r.set(JAVA_INT, 4, flags);
            r.set(JAVA_LONG, 8, guestPhys);
            r.set(JAVA_LONG, 16, size);
            r.set(JAVA_LONG, 24, host.address());
            Libc.ioctl(fd, SET_USER_MEMORY_REGION, r,
                    "KVM_SET_USER_MEMORY_REGION slot " + slot + " at 0x" + Long.toHexString(guestPhys) + " size 0x" + Long.toHexString(size));
        }
    }

    public void setTssAddr(long addr) {
        Libc.ioctl(fd, SET_TSS_ADDR, addr, "KVM_SET_TSS_ADDR 0x" + Long.toHexString(addr));
    }

    public void setIdentityMapAddr(long addr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            v.set(JAVA_LONG, 0, addr);
            Libc.ioctl(fd, SET_IDENTITY_MAP_ADDR, v, "KVM_SET_IDENTITY_MAP_ADDR 0x" + Long.toHexString(addr));
        }
    }

    public void createIrqchip() {
        Libc.ioctl(fd, CREATE_IRQCHIP, 0L, "KVM_CREATE_IRQCHIP");
    }

    public void createPit2() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(KvmLayouts.PIT_CONFIG);
            c.set(JAVA_INT, 0, PIT_SPEAKER_DUMMY);
            Libc.ioctl(fd, CREATE_PIT2, c, "KVM_CREATE_PIT2");
        }
    }

    /**
     * KVM_REINJECT_CONTROL: whether the in-kernel PIT delivers the ticks a guest missed (KVM's
     * default) or drops them. Turning it off unregisters the PIT's interrupt-ack notifier, which
     * waits for an SRCU grace period (0-20 ms measured here); KVM's teardown of a VM whose PIT
     * still reinjects waits for one too (~15 ms of every power-off here).
     */
    public void setPitReinject(boolean reinject) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(KvmLayouts.REINJECT_CONTROL);
            c.set(JAVA_BYTE, 0, (byte) (reinject ? 1 : 0));
            Libc.ioctl(fd, REINJECT_CONTROL, c, "KVM_REINJECT_CONTROL " + reinject);
        }
    }

    /** KVM_IRQ_LINE: raise or lower a GSI on the in-kernel PIC/IOAPIC. */
    public void irqLine(int gsi, boolean level) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment l = a.allocate(KvmLayouts.IRQ_LEVEL);
            l.set(JAVA_INT, 0, gsi);
            l.set(JAVA_INT, 4, level ? 1 : 0);
            Libc.ioctl(fd, IRQ_LINE, l, "KVM_IRQ_LINE gsi " + gsi);
        }
    }

    /** KVM_SIGNAL_MSI; returns 0 when the guest blocked it, &gt; 0 when delivered. */
    public int signalMsi(long address, int data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(KvmLayouts.MSI);
            m.set(JAVA_INT, 0, (int) address);
            m.set(JAVA_INT, 4, (int) (address >>> 32));
            m.set(JAVA_INT, 8, data);
            // The message is built only on failure: MSIs are a hot path.
            int rc = Libc.ioctlRaw(fd, SIGNAL_MSI, m.address());
            if (rc < 0) throw new SysException("KVM_SIGNAL_MSI 0x" + Long.toHexString(address) + "/0x" + Integer.toHexString(data), -rc);
            return rc;
        }
    }

    public void irqfd(int eventFd, int gsi, boolean deassign) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(KvmLayouts.IRQFD);
            s.set(JAVA_INT, 0, eventFd);
            s.set(JAVA_INT, 4, gsi);
            s.set(JAVA_INT, 8, deassign ? 1 : 0);
            Libc.ioctl(fd, IRQFD, s, "KVM_IRQFD gsi " + gsi);
        }
    }

    public static final int IOEVENTFD_DATAMATCH = 1, IOEVENTFD_PIO = 2, IOEVENTFD_DEASSIGN = 4;

    public void ioeventfd(int eventFd, long addr, int len, boolean pio, Long datamatch, boolean deassign) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(KvmLayouts.IOEVENTFD);
            int flags = (pio ? IOEVENTFD_PIO : 0) | (datamatch != null ? IOEVENTFD_DATAMATCH : 0)
                    | (deassign ? IOEVENTFD_DEASSIGN : 0);
            s.set(JAVA_LONG, 0, datamatch == null ? 0 : datamatch);
            s.set(JAVA_LONG, 8, addr);
            s.set(JAVA_INT, 16, len);
            s.set(JAVA_INT, 20, eventFd);
            s.set(JAVA_INT, 24, flags);
            Libc.ioctl(fd, IOEVENTFD, s, "KVM_IOEVENTFD 0x" + Long.toHexString(addr));
        }
    }

    public void enableCap(int cap, long... args) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(KvmLayouts.ENABLE_CAP);
            s.set(JAVA_INT, 0, cap);
            for (int i = 0; i < args.length; i++) s.set(JAVA_LONG, 8 + 8L * i, args[i]);
            Libc.ioctl(fd, ENABLE_CAP, s, "KVM_ENABLE_CAP " + cap);
        }
    }

    public static final int MSR_FILTER_READ = 1, MSR_FILTER_WRITE = 2;

    /**
     * KVM_X86_SET_MSR_FILTER with default-allow and one deny range per (base, count, flags):
     * flags {@link #MSR_FILTER_READ} and/or {@link #MSR_FILTER_WRITE} say which accesses exit.
     */
    public void setMsrFilterDenyDefaultAllow(long[][] denyRanges) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(KvmLayouts.MSR_FILTER);
            f.set(JAVA_INT, 0, 0); // KVM_MSR_FILTER_DEFAULT_ALLOW
            long rangeSize = KvmLayouts.MSR_FILTER_RANGE.byteSize();
            for (int i = 0; i < denyRanges.length; i++) {
                int base = (int) denyRanges[i][0], n = (int) denyRanges[i][1];
                MemorySegment bitmap = a.allocate((n + 7) / 8, 8); // zero bits = deny
                long r = 8 + i * rangeSize;
                f.set(JAVA_INT, r, (int) denyRanges[i][2]);
                f.set(JAVA_INT, r + 4, n);
                f.set(JAVA_INT, r + 8, base);
                f.set(JAVA_LONG, r + 16, bitmap.address()); // as a long: the ADDRESS accessor's first use costs ms
            }
            Libc.ioctl(fd, X86_SET_MSR_FILTER, f, "KVM_X86_SET_MSR_FILTER");
        }
    }

    /** sizeof(struct kvm_irq_routing_entry): gsi, type, flags, pad, then a 32-byte union. */
    static final int ROUTING_ENTRY_SIZE = 48;
    static final int ROUTING_IRQCHIP = 1, ROUTING_MSI = 2;

    /** KVM_SET_GSI_ROUTING: replaces the whole routing table (defaults included) with routes. */
    public void setGsiRouting(java.util.List<GsiRoute> routes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(8L + (long) ROUTING_ENTRY_SIZE * routes.size(), 8);
            t.set(JAVA_INT, 0, routes.size());
            long off = 8;
            for (GsiRoute r : routes) {
                t.set(JAVA_INT, off, r.gsi());
                // instanceof, not a pattern switch: its bootstrap costs milliseconds at start.
                if (r instanceof GsiRoute.Irqchip c) {
                    t.set(JAVA_INT, off + 4, ROUTING_IRQCHIP);
                    t.set(JAVA_INT, off + 16, c.chip());
                    t.set(JAVA_INT, off + 20, c.pin());
                } else if (r instanceof GsiRoute.Msi m) {
                    t.set(JAVA_INT, off + 4, ROUTING_MSI);
                    t.set(JAVA_INT, off + 16, (int) m.address());
                    t.set(JAVA_INT, off + 20, (int) (m.address() >>> 32));
                    t.set(JAVA_INT, off + 24, m.data());
                }
                off += ROUTING_ENTRY_SIZE;
            }
            Libc.ioctl(fd, SET_GSI_ROUTING, t, "KVM_SET_GSI_ROUTING with " + routes.size() + " routes");
        }
    }

    public KvmVcpu createVcpu(int id, int mmapSize) {
        int vfd = Libc.ioctl(fd, CREATE_VCPU, id, "KVM_CREATE_VCPU " + id);
        return new KvmVcpu(this, id, vfd, mmapSize);
    }

    @Override
    public void close() { Libc.close(fd); }
}
