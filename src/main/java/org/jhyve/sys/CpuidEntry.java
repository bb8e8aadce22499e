package org.jhyve.sys;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** One struct kvm_cpuid_entry2. */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the entry applies to one subleaf (index) only. */
    public static final int FLAG_SIGNIFICANT_INDEX = 1;

    static CpuidEntry read(MemorySegment s) {
        return new CpuidEntry(s.get(JAVA_INT, 0), s.get(JAVA_INT, 4), s.get(JAVA_INT, 8), s.get(JAVA_INT, 12),
                s.get(JAVA_INT, 16), s.get(JAVA_INT, 20), s.get(JAVA_INT, 24));
    }

    void write(MemorySegment s) {
        s.set(JAVA_INT, 0, function);
        s.set(JAVA_INT, 4, index);
        s.set(JAVA_INT, 8, flags);
        s.set(JAVA_INT, 12, eax);
        s.set(JAVA_INT, 16, ebx);
        s.set(JAVA_INT, 20, ecx);
        s.set(JAVA_INT, 24, edx);
    }

    public CpuidEntry withRegs(int eax, int ebx, int ecx, int edx) {
        return new CpuidEntry(function, index, flags, eax, ebx, ecx, edx);
    }
}
