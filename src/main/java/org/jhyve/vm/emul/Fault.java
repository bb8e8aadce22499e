package org.jhyve.vm.emul;

/**
 * An exception the emulated instruction raises in the guest (#GP, #PF, #UD...). It is not an
 * emulator failure: the guest sees it exactly as the processor would have raised it.
 *
 * @param errorCode the error code pushed by the exception, or -1 when the vector has none
 * @param cr2       the faulting linear address for #PF
 */
public record Fault(int vector, int errorCode, long cr2) {
    public static final int DE = 0, DB = 1, BP = 3, OF = 4, UD = 6, NM = 7, DF = 8, TS = 10, NP = 11, SS = 12,
            GP = 13, PF = 14, AC = 17;

    public static Fault gp(int errorCode) { return new Fault(GP, errorCode, 0); }

    public static Fault ud() { return new Fault(UD, -1, 0); }

    public boolean hasErrorCode() { return errorCode >= 0; }

    @Override
    public String toString() {
        return String.format("vector %d%s%s", vector, hasErrorCode() ? String.format(" error 0x%x", errorCode) : "",
                vector == PF ? String.format(" cr2 0x%x", cr2) : "");
    }

    /** Carries a fault out of nested emulation code to the one place that injects it. */
    public static final class Raised extends RuntimeException {
        private final Fault fault;

        public Raised(Fault fault) {
            super("guest fault " + fault, null, false, false);
            this.fault = fault;
        }

        public Fault fault() { return fault; }
    }
}
