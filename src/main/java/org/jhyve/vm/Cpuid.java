package org.jhyve.vm;

import org.jhyve.config.Topology;
import org.jhyve.sys.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * The CPUID a vCPU sees: what KVM supports, plus the hypervisor bit, this vCPU's APIC ID and a
 * cache/core topology consistent with -c sockets/cores/threads. Guests derive their CPU map
 * from leaves 1, 4 and 0xB (0x1F on newer kernels), so all three must agree.
 */
public final class Cpuid {
    private Cpuid() {}

    public static final int LEAF1_ECX_X2APIC = 1 << 21, LEAF1_ECX_HYPERVISOR = 1 << 31, LEAF1_EDX_HTT = 1 << 28;

    public static CpuidEntry[] forVcpu(CpuidEntry[] supported, Topology topo, int vcpu, boolean x2apic) {
        int apicId = vcpu; // as bhyve, and as the MADT and MP table say
        int perPackage = topo.cores() * topo.threads();
        List<CpuidEntry> out = new ArrayList<>();
        for (CpuidEntry e : supported) {
            switch (e.function()) {
                case 1 -> {
                    int ebx = (e.ebx() & 0x0000FFFF) | (Math.min(perPackage, 255) << 16) | (apicId << 24);
                    int ecx = e.ecx() | LEAF1_ECX_HYPERVISOR;
                    ecx = x2apic ? ecx | LEAF1_ECX_X2APIC : ecx & ~LEAF1_ECX_X2APIC;
                    int edx = perPackage > 1 ? e.edx() | LEAF1_EDX_HTT : e.edx() & ~LEAF1_EDX_HTT;
                    out.add(e.withRegs(e.eax(), ebx, ecx, edx));
                }
                case 4 -> {
                    // Deterministic cache parameters: cores per package and threads sharing each cache.
                    int level = (e.eax() >> 5) & 7;
                    int sharing = level >= 3 ? perPackage : topo.threads();
                    int eax = (e.eax() & 0x3FFF) | ((sharing - 1) << 14) | ((topo.cores() - 1) << 26);
                    if ((e.eax() & 0x1F) == 0) eax = e.eax(); // terminating null subleaf stays as is
                    out.add(e.withRegs(eax, e.ebx(), e.ecx(), e.edx()));
                }
                case 0xB, 0x1F -> out.add(topologyLeaf(e, topo, apicId));
                default -> out.add(e);
            }
        }
        return out.toArray(CpuidEntry[]::new);
    }

    /** Width of an APIC ID field holding n values (leaf 0xB shift counts). */
    static int bitsFor(int n) { return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1); }

    private static CpuidEntry topologyLeaf(CpuidEntry e, Topology topo, int apicId) {
        int shiftSmt = bitsFor(topo.threads());
        int shiftCore = bitsFor(topo.threads() * topo.cores());
        return switch (e.index()) {
            case 0 -> e.withRegs(shiftSmt, topo.threads(), (1 << 8), apicId);
            case 1 -> e.withRegs(shiftCore, topo.threads() * topo.cores(), (2 << 8) | 1, apicId);
            default -> e.withRegs(0, 0, e.index() & 0xFF, apicId);
        };
    }
}
