package org.jhyve.vm;

import org.jhyve.sys.KvmVcpu;

/** MSR values every vCPU starts with, as firmware would leave them. */
final class VcpuInit {
    static final int MSR_IA32_APICBASE = 0x1b, MSR_IA32_MISC_ENABLE = 0x1a0, MSR_MTRR_DEF_TYPE = 0x2ff;
    static final long APIC_BASE = 0xFEE0_0000L, APICBASE_BSP = 1 << 8, APICBASE_X2APIC = 1 << 10, APICBASE_ENABLE = 1 << 11;

    private VcpuInit() {}

    static void msrs(KvmVcpu v, boolean bsp, boolean x2apic) {
        long apicBase = APIC_BASE | APICBASE_ENABLE | (bsp ? APICBASE_BSP : 0) | (x2apic ? APICBASE_X2APIC : 0);
        v.setMsrs(new long[][] {
                {MSR_IA32_APICBASE, apicBase},
                {MSR_IA32_MISC_ENABLE, 1}, // fast strings
                {MSR_MTRR_DEF_TYPE, 0x806}, // MTRRs enabled, default write-back
        });
    }
}
