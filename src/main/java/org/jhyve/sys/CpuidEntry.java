package org.jhyve.sys;

/** One struct kvm_cpuid_entry2. */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the entry applies to one subleaf (index) only. */
    public static final int FLAG_SIGNIFICANT_INDEX = 1;

    /** struct kvm_cpuid_entry2 in 32-bit words: the seven fields, then three of padding. */
    static final int INTS = 10;

    /** The entry whose words start at raw[at]. */
    static CpuidEntry fromInts(int[] raw, int at) {
        return new CpuidEntry(raw[at], raw[at + 1], raw[at + 2], raw[at + 3], raw[at + 4], raw[at + 5], raw[at + 6]);
    }

    /** Stores the seven fields at raw[at] (the padding words are left as they are). */
    void toInts(int[] raw, int at) {
        raw[at] = function;
        raw[at + 1] = index;
        raw[at + 2] = flags;
        raw[at + 3] = eax;
        raw[at + 4] = ebx;
        raw[at + 5] = ecx;
        raw[at + 6] = edx;
    }

    public CpuidEntry withRegs(int eax, int ebx, int ecx, int edx) {
        return new CpuidEntry(function, index, flags, eax, ebx, ecx, edx);
    }
}
