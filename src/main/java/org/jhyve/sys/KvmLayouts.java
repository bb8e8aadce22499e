package org.jhyve.sys;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** x86-64 KVM ABI structures (linux/kvm.h, asm/kvm.h). Sizes are checked in KvmLayoutsTest. */
public final class KvmLayouts {
    private KvmLayouts() {}

    public static final StructLayout USERSPACE_MEMORY_REGION = structLayout(
            JAVA_INT.withName("slot"), JAVA_INT.withName("flags"),
            JAVA_LONG.withName("guest_phys_addr"), JAVA_LONG.withName("memory_size"),
            JAVA_LONG.withName("userspace_addr"));

    public static final StructLayout REGS = structLayout(
            JAVA_LONG.withName("rax"), JAVA_LONG.withName("rbx"), JAVA_LONG.withName("rcx"),
            JAVA_LONG.withName("rdx"), JAVA_LONG.withName("rsi"), JAVA_LONG.withName("rdi"),
            JAVA_LONG.withName("rsp"), JAVA_LONG.withName("rbp"), JAVA_LONG.withName("r8"),
            JAVA_LONG.withName("r9"), JAVA_LONG.withName("r10"), JAVA_LONG.withName("r11"),
            JAVA_LONG.withName("r12"), JAVA_LONG.withName("r13"), JAVA_LONG.withName("r14"),
            JAVA_LONG.withName("r15"), JAVA_LONG.withName("rip"), JAVA_LONG.withName("rflags"));

    public static final StructLayout SEGMENT = structLayout(
            JAVA_LONG.withName("base"), JAVA_INT.withName("limit"), JAVA_SHORT.withName("selector"),
            JAVA_BYTE.withName("type"), JAVA_BYTE.withName("present"), JAVA_BYTE.withName("dpl"),
            JAVA_BYTE.withName("db"), JAVA_BYTE.withName("s"), JAVA_BYTE.withName("l"),
            JAVA_BYTE.withName("g"), JAVA_BYTE.withName("avl"), JAVA_BYTE.withName("unusable"),
            JAVA_BYTE.withName("padding"));

    public static final StructLayout DTABLE = structLayout(
            JAVA_LONG.withName("base"), JAVA_SHORT.withName("limit"), paddingLayout(6));

    public static final StructLayout SREGS = structLayout(
            SEGMENT.withName("cs"), SEGMENT.withName("ds"), SEGMENT.withName("es"), SEGMENT.withName("fs"),
            SEGMENT.withName("gs"), SEGMENT.withName("ss"), SEGMENT.withName("tr"), SEGMENT.withName("ldt"),
            DTABLE.withName("gdt"), DTABLE.withName("idt"),
            JAVA_LONG.withName("cr0"), JAVA_LONG.withName("cr2"), JAVA_LONG.withName("cr3"),
            JAVA_LONG.withName("cr4"), JAVA_LONG.withName("cr8"), JAVA_LONG.withName("efer"),
            JAVA_LONG.withName("apic_base"), sequenceLayout(4, JAVA_LONG).withName("interrupt_bitmap"));

    public static final StructLayout CPUID_ENTRY2 = structLayout(
            JAVA_INT.withName("function"), JAVA_INT.withName("index"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("eax"), JAVA_INT.withName("ebx"), JAVA_INT.withName("ecx"),
            JAVA_INT.withName("edx"), paddingLayout(12));

    /** struct kvm_cpuid2 header; entries follow. */
    public static final StructLayout CPUID2 = structLayout(JAVA_INT.withName("nent"), JAVA_INT.withName("padding"));

    public static final StructLayout MSR_ENTRY = structLayout(
            JAVA_INT.withName("index"), JAVA_INT.withName("reserved"), JAVA_LONG.withName("data"));

    /** struct kvm_msrs header; entries follow. */
    public static final StructLayout MSRS = structLayout(JAVA_INT.withName("nmsrs"), JAVA_INT.withName("pad"));

    public static final StructLayout IRQ_LEVEL = structLayout(JAVA_INT.withName("irq"), JAVA_INT.withName("level"));

    public static final StructLayout PIT_CONFIG = structLayout(JAVA_INT.withName("flags"), paddingLayout(60));
    /** struct kvm_reinject_control: one byte, then 31 reserved. */
    public static final StructLayout REINJECT_CONTROL = structLayout(JAVA_BYTE.withName("pit_reinject"), paddingLayout(31));

    public static final StructLayout IRQFD = structLayout(
            JAVA_INT.withName("fd"), JAVA_INT.withName("gsi"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("resamplefd"), paddingLayout(16));

    public static final StructLayout IOEVENTFD = structLayout(
            JAVA_LONG.withName("datamatch"), JAVA_LONG.withName("addr"), JAVA_INT.withName("len"),
            JAVA_INT.withName("fd"), JAVA_INT.withName("flags"), paddingLayout(36));

    public static final StructLayout MSI = structLayout(
            JAVA_INT.withName("address_lo"), JAVA_INT.withName("address_hi"), JAVA_INT.withName("data"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("devid"), paddingLayout(12));

    public static final StructLayout ENABLE_CAP = structLayout(
            JAVA_INT.withName("cap"), JAVA_INT.withName("flags"), sequenceLayout(4, JAVA_LONG).withName("args"),
            paddingLayout(64));

    public static final StructLayout MSR_FILTER_RANGE = structLayout(
            JAVA_INT.withName("flags"), JAVA_INT.withName("nmsrs"), JAVA_INT.withName("base"), paddingLayout(4),
            ValueLayout.ADDRESS.withName("bitmap"));

    public static final StructLayout MSR_FILTER = structLayout(
            JAVA_INT.withName("flags"), paddingLayout(4), sequenceLayout(16, MSR_FILTER_RANGE).withName("ranges"));

    /** struct kvm_vcpu_events: exception, interrupt, nmi, sipi_vector, flags, smi, triple_fault, reserved. */
    public static final StructLayout VCPU_EVENTS = structLayout(
            structLayout(JAVA_BYTE.withName("injected"), JAVA_BYTE.withName("nr"), JAVA_BYTE.withName("has_error_code"),
                    JAVA_BYTE.withName("pending"), JAVA_INT.withName("error_code")).withName("exception"),
            structLayout(JAVA_BYTE.withName("injected"), JAVA_BYTE.withName("nr"), JAVA_BYTE.withName("soft"),
                    JAVA_BYTE.withName("shadow")).withName("interrupt"),
            structLayout(JAVA_BYTE.withName("injected"), JAVA_BYTE.withName("pending"), JAVA_BYTE.withName("masked"),
                    JAVA_BYTE.withName("pad")).withName("nmi"),
            JAVA_INT.withName("sipi_vector"), JAVA_INT.withName("flags"),
            structLayout(JAVA_BYTE.withName("smm"), JAVA_BYTE.withName("pending"), JAVA_BYTE.withName("smm_inside_nmi"),
                    JAVA_BYTE.withName("latched_init")).withName("smi"),
            structLayout(JAVA_BYTE.withName("pending")).withName("triple_fault"),
            paddingLayout(26), JAVA_BYTE.withName("exception_has_payload"),
            JAVA_LONG.withName("exception_payload"));

    public static long offset(StructLayout s, String... path) {
        MemoryLayout.PathElement[] p = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) p[i] = MemoryLayout.PathElement.groupElement(path[i]);
        return s.byteOffset(p);
    }
}
