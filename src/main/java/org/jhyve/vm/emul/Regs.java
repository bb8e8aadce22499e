package org.jhyve.vm.emul;

/** Architectural register bits the emulator looks at. */
public final class Regs {
    private Regs() {}

    public static final long CR0_PE = 1, CR0_TS = 1 << 3, CR0_WP = 1 << 16, CR0_PG = 1L << 31;
    public static final long CR4_PSE = 1 << 4, CR4_PAE = 1 << 5, CR4_OSFXSR = 1 << 9, CR4_LA57 = 1 << 12,
            CR4_OSXSAVE = 1 << 18, CR4_SMEP = 1 << 20, CR4_SMAP = 1 << 21;
    public static final long EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;
    public static final long RFLAGS_CF = 1, RFLAGS_ZF = 1 << 6, RFLAGS_TF = 1 << 8, RFLAGS_IF = 1 << 9,
            RFLAGS_OF = 1 << 11, RFLAGS_NT = 1 << 14, RFLAGS_RF = 1 << 16, RFLAGS_VM = 1 << 17, RFLAGS_AC = 1 << 18;
}
