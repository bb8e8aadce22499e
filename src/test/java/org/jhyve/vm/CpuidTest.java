package org.jhyve.vm;

import org.jhyve.config.Topology;
import org.jhyve.sys.CpuidEntry;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** CPUID as a vCPU sees it, from a synthetic "supported" list (no KVM needed). */
class CpuidTest {
    static final CpuidEntry[] SUPPORTED = {
            new CpuidEntry(0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69),
            new CpuidEntry(1, 0, 0, 0x806f8, 0x00ff0800, Cpuid.LEAF1_ECX_X2APIC | 1, Cpuid.LEAF1_EDX_HTT | 1),
            new CpuidEntry(4, 0, 1, 0x121, 0, 0, 0),
            new CpuidEntry(4, 3, 1, 0x163, 0, 0, 0),
            new CpuidEntry(0xB, 0, 1, 0, 0, 0, 0),
            new CpuidEntry(0xB, 1, 1, 0, 0, 0, 0),
            new CpuidEntry(0xB, 2, 1, 0, 0, 2, 0),
    };

    static CpuidEntry leaf(CpuidEntry[] e, int fn, int idx) {
        return Arrays.stream(e).filter(x -> x.function() == fn && x.index() == idx).findFirst().orElseThrow();
    }

    @Test
    void leaf1CarriesApicIdHypervisorBitAndPackageSize() {
        Topology t = new Topology(8, 2, 2, 2);
        CpuidEntry[] v5 = Cpuid.forVcpu(SUPPORTED, t, 5, false);
        CpuidEntry l1 = leaf(v5, 1, 0);
        assertEquals(5, l1.ebx() >>> 24, "initial APIC ID");
        assertEquals(4, (l1.ebx() >> 16) & 0xFF, "logical processors per package");
        assertNotEquals(0, l1.ecx() & Cpuid.LEAF1_ECX_HYPERVISOR);
        assertEquals(0, l1.ecx() & Cpuid.LEAF1_ECX_X2APIC, "x2APIC hidden unless -x");
        assertNotEquals(0, l1.edx() & Cpuid.LEAF1_EDX_HTT);
        assertEquals(0x800, l1.ebx() & 0xFFFF, "other EBX bits kept");
        assertNotEquals(0, Cpuid.forVcpu(SUPPORTED, t, 0, true)[1].ecx() & Cpuid.LEAF1_ECX_X2APIC);
    }

    @Test
    void leafBDescribesThreadsAndCores() {
        Topology t = new Topology(8, 2, 2, 2);
        CpuidEntry[] v = Cpuid.forVcpu(SUPPORTED, t, 6, false);
        CpuidEntry smt = leaf(v, 0xB, 0), core = leaf(v, 0xB, 1), end = leaf(v, 0xB, 2);
        assertEquals(1, smt.eax(), "shift past the thread field");
        assertEquals(2, smt.ebx(), "threads per core");
        assertEquals(0x100, smt.ecx(), "level type SMT, level 0");
        assertEquals(6, smt.edx(), "x2APIC ID");
        assertEquals(2, core.eax(), "shift past thread+core fields");
        assertEquals(4, core.ebx(), "logical processors per package");
        assertEquals(0x201, core.ecx());
        assertEquals(0, end.ebx(), "invalid level ends the list");
    }

    @Test
    void leaf4SharingFollowsTopology() {
        Topology t = new Topology(4, 1, 4, 1);
        CpuidEntry[] v = Cpuid.forVcpu(SUPPORTED, t, 0, false);
        CpuidEntry l1d = leaf(v, 4, 0), l3 = leaf(v, 4, 3);
        assertEquals(3, l1d.eax() >>> 26, "cores per package - 1");
        assertEquals(0, (l1d.eax() >> 14) & 0xFFF, "L1 shared by 1 thread");
        assertEquals(3, (l3.eax() >> 14) & 0xFFF, "L3 shared by the package");
    }

    @Test
    void singleCpuHasNoHtt() {
        CpuidEntry l1 = leaf(Cpuid.forVcpu(SUPPORTED, new Topology(1, 1, 1, 1), 0, false), 1, 0);
        assertEquals(0, l1.edx() & Cpuid.LEAF1_EDX_HTT);
        assertEquals(1, (l1.ebx() >> 16) & 0xFF);
    }
}
