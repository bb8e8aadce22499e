package org.jhyve.vm.emul;

import org.jhyve.sys.CpuidEntry;

/**
 * Where each extended state component (2 and up) lies in the XSAVE area, as the guest's CPUID
 * leaf 0xD reports it: size, offset in the standard format, and whether the compacted format
 * aligns it to 64 bytes.
 */
public record XsaveLayout(int[] size, int[] offset, boolean[] align64) {
    public static final int LEGACY_SIZE = 512, HEADER = 512, EXTENDED = 576, COMPONENTS = 63;

    /** The layout KVM reports in its supported CPUID (leaf 0xD, subleaves 2-62). */
    public static XsaveLayout fromCpuid(CpuidEntry[] entries) {
        int[] size = new int[COMPONENTS], offset = new int[COMPONENTS];
        boolean[] align = new boolean[COMPONENTS];
        for (CpuidEntry e : entries) {
            if (e.function() == 0xD && e.index() >= 2 && e.index() < COMPONENTS) {
                size[e.index()] = e.eax();
                offset[e.index()] = e.ebx();
                align[e.index()] = (e.ecx() & 2) != 0;
            }
        }
        return new XsaveLayout(size, offset, align);
    }

    /** Intel's standard layout (AVX, MPX, AVX-512, PKRU), for tests. */
    public static XsaveLayout standard() {
        int[] size = new int[COMPONENTS], offset = new int[COMPONENTS];
        int[][] known = {{2, 576, 256}, {3, 960, 64}, {4, 1024, 64}, {5, 1088, 64}, {6, 1152, 512}, {7, 1664, 1024},
                {9, 2688, 8}};
        for (int[] k : known) {
            offset[k[0]] = k[1];
            size[k[0]] = k[2];
        }
        return new XsaveLayout(size, offset, new boolean[COMPONENTS]);
    }

    /** Offsets of the components in a compacted area holding the components of {@code xcompBv}. */
    public int[] compactedOffsets(long xcompBv) {
        int[] at = new int[COMPONENTS];
        int next = EXTENDED;
        for (int i = 2; i < COMPONENTS; i++) {
            if ((xcompBv & (1L << i)) == 0) continue;
            if (align64[i]) next = (next + 63) & ~63;
            at[i] = next;
            next += size[i];
        }
        return at;
    }

    /** Bytes of a standard-format area holding the components of {@code mask}. */
    public int standardSize(long mask) {
        int end = EXTENDED;
        for (int i = 2; i < COMPONENTS; i++) {
            if ((mask & (1L << i)) != 0) end = Math.max(end, offset[i] + size[i]);
        }
        return end;
    }

    /** Bytes of a compacted area holding the components of {@code mask}. */
    public int compactedSize(long mask) {
        int[] at = compactedOffsets(mask);
        int end = EXTENDED;
        for (int i = 2; i < COMPONENTS; i++) {
            if ((mask & (1L << i)) != 0) end = Math.max(end, at[i] + size[i]);
        }
        return end;
    }

    public boolean known(int component) { return component < 2 || size[component] > 0; }
}
