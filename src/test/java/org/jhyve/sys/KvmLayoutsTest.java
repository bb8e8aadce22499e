package org.jhyve.sys;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Struct sizes and offsets against the x86-64 kernel ABI (linux/kvm.h). */
class KvmLayoutsTest {
    @Test
    void sizesMatchTheKernel() {
        assertEquals(32, KvmLayouts.USERSPACE_MEMORY_REGION.byteSize());
        assertEquals(144, KvmLayouts.REGS.byteSize());
        assertEquals(24, KvmLayouts.SEGMENT.byteSize());
        assertEquals(16, KvmLayouts.DTABLE.byteSize());
        assertEquals(312, KvmLayouts.SREGS.byteSize());
        assertEquals(40, KvmLayouts.CPUID_ENTRY2.byteSize());
        assertEquals(40, CpuidEntry.INTS * 4, "CpuidEntry copies whole kvm_cpuid_entry2 structs as ints");
        assertEquals(16, KvmLayouts.MSR_ENTRY.byteSize());
        assertEquals(64, KvmLayouts.PIT_CONFIG.byteSize());
        assertEquals(32, KvmLayouts.REINJECT_CONTROL.byteSize());   // struct kvm_reinject_control
        assertEquals(32, KvmLayouts.IRQFD.byteSize());
        assertEquals(64, KvmLayouts.IOEVENTFD.byteSize());
        assertEquals(32, KvmLayouts.MSI.byteSize());
        assertEquals(104, KvmLayouts.ENABLE_CAP.byteSize());
        assertEquals(24, KvmLayouts.MSR_FILTER_RANGE.byteSize());
        assertEquals(392, KvmLayouts.MSR_FILTER.byteSize());
        assertEquals(64, KvmLayouts.VCPU_EVENTS.byteSize());
    }

    @Test
    void offsetsMatchTheKernel() {
        assertEquals(128, KvmLayouts.offset(KvmLayouts.REGS, "rip"));
        assertEquals(136, KvmLayouts.offset(KvmLayouts.REGS, "rflags"));
        assertEquals(192, KvmLayouts.offset(KvmLayouts.SREGS, "gdt"));
        assertEquals(224, KvmLayouts.offset(KvmLayouts.SREGS, "cr0"));
        assertEquals(264, KvmLayouts.offset(KvmLayouts.SREGS, "efer"));
        assertEquals(280, KvmLayouts.offset(KvmLayouts.SREGS, "interrupt_bitmap"));
        assertEquals(56, KvmLayouts.offset(KvmLayouts.VCPU_EVENTS, "exception_payload"));
    }

    @Test
    void ioctlNumbersMatchTheKernel() {
        assertEquals(0xAE80L, KvmVcpu.RUN);
        assertEquals(0x4020AE46L, KvmVm.SET_USER_MEMORY_REGION);
        assertEquals(0xC008AE05L, Kvm.GET_SUPPORTED_CPUID);
        assertEquals(0x8138AE83L, KvmVcpu.GET_SREGS);
        assertEquals(0x4090AE82L, KvmVcpu.SET_REGS);
        assertEquals(0x4040AE79L, KvmVm.IOEVENTFD);
        assertEquals(0x4188AEC6L, KvmVm.X86_SET_MSR_FILTER);
        assertEquals(0x4068AEA3L, KvmVm.ENABLE_CAP);
    }
}
