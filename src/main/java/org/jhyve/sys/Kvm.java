package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** /dev/kvm: the system-level ioctls. One instance per process is enough. */
public final class Kvm implements AutoCloseable {
    static final int KVMIO = 0xAE;

    static long io(int nr) { return (KVMIO << 8) | nr; }
    static long ior(int nr, long size) { return (2L << 30) | (size << 16) | (KVMIO << 8) | nr; }
    static long iow(int nr, long size) { return (1L << 30) | (size << 16) | (KVMIO << 8) | nr; }
    static long iowr(int nr, long size) { return (3L << 30) | (size << 16) | (KVMIO << 8) | nr; }

    public static final long GET_API_VERSION = io(0x00), CREATE_VM = io(0x01), CHECK_EXTENSION = io(0x03),
            GET_VCPU_MMAP_SIZE = io(0x04), GET_SUPPORTED_CPUID = iowr(0x05, 8), GET_MSR_INDEX_LIST = iowr(0x02, 4);

    public static final int CAP_IRQCHIP = 0, CAP_NR_VCPUS = 9, CAP_IRQ_ROUTING = 25, CAP_IRQFD = 32,
            CAP_PIT2 = 33, CAP_IOEVENTFD = 36, CAP_MAX_VCPUS = 66, CAP_X2APIC_API = 129,
            CAP_IMMEDIATE_EXIT = 136, CAP_X86_DISABLE_EXITS = 143, CAP_X86_USER_SPACE_MSR = 188,
            CAP_X86_MSR_FILTER = 189;

    private final int fd;

    public Kvm() {
        this("/dev/kvm");
    }

    public Kvm(String path) {
        fd = Libc.open(path, Libc.O_RDWR, 0);
        int api = Libc.ioctl(fd, GET_API_VERSION, 0L, "KVM_GET_API_VERSION");
        if (api != 12) {
            Libc.close(fd);
            throw new IllegalStateException("KVM API version " + api + " at " + path + ", jhyve needs 12");
        }
    }

    public int fd() { return fd; }

    /** KVM_CHECK_EXTENSION: 0 when absent, otherwise the capability's value. */
    public int checkExtension(int cap) {
        return Libc.ioctl(fd, CHECK_EXTENSION, cap, "KVM_CHECK_EXTENSION " + cap);
    }

    public int vcpuMmapSize() {
        return Libc.ioctl(fd, GET_VCPU_MMAP_SIZE, 0L, "KVM_GET_VCPU_MMAP_SIZE");
    }

    public KvmVm createVm() {
        int vmfd = Libc.ioctl(fd, CREATE_VM, 0L, "KVM_CREATE_VM");
        return new KvmVm(this, vmfd);
    }

    /** KVM_GET_SUPPORTED_CPUID as a list of entries. */
    public CpuidEntry[] supportedCpuid() {
        try (Arena a = Arena.ofConfined()) {
            int max = 256;
            MemorySegment buf = a.allocate(KvmLayouts.CPUID2.byteSize() + max * KvmLayouts.CPUID_ENTRY2.byteSize(), 8);
            buf.set(JAVA_INT, 0, max);
            Libc.ioctl(fd, GET_SUPPORTED_CPUID, buf, "KVM_GET_SUPPORTED_CPUID");
            int n = buf.get(JAVA_INT, 0);
            // one bulk copy, then plain array reads: ~75 entries of 7 fields, each a segment
            // access that costs microseconds while start-up code is still interpreted
            int[] raw = buf.asSlice(8, n * KvmLayouts.CPUID_ENTRY2.byteSize()).toArray(JAVA_INT);
            CpuidEntry[] out = new CpuidEntry[n];
            for (int i = 0; i < n; i++) out[i] = CpuidEntry.fromInts(raw, i * CpuidEntry.INTS);
            return out;
        }
    }

    @Override
    public void close() { Libc.close(fd); }
}
