package org.jhyve.firmware;

/**
 * A PCI function on bus 0 and the interrupt pin it reports in config register 0x3D
 * (0 = none, 1..4 = INTA#..INTD#).
 */
public record PciFunction(int slot, int function, int interruptPin) {
    public PciFunction {
        if (slot < 0 || slot > 31) throw new IllegalArgumentException("PCI slot " + slot + " outside 0..31");
        if (function < 0 || function > 7) throw new IllegalArgumentException("PCI function " + function + " outside 0..7");
        if (interruptPin < 0 || interruptPin > 4) {
            throw new IllegalArgumentException("interrupt pin " + interruptPin + " outside 0..4");
        }
    }

    // equals/hashCode written out: the record's generated ones bootstrap java.lang.runtime.ObjectMethods
    // on first use, milliseconds of every jhyve start (PlatformInfo compares functions).
    @Override
    public boolean equals(Object o) {
        return o instanceof PciFunction f && f.slot == slot && f.function == function && f.interruptPin == interruptPin;
    }

    @Override
    public int hashCode() { return (slot * 8 + function) * 5 + interruptPin; }

    /** The ACPI _ADR of this function: slot in the high word, function in the low word. */
    public long acpiAddress() { return ((long) slot << 16) | function; }

    /**
     * The fixed INTx swizzle every part of jhyve shares: bus 0 slot S, pin P (0 = INTA) is wired
     * to IOAPIC GSI 16 + ((S + P) % 8), level-triggered, active-low.
     */
    public static int gsi(int slot, int pinIndex) {
        if (pinIndex < 0 || pinIndex > 3) throw new IllegalArgumentException("pin index " + pinIndex + " outside 0..3");
        return 16 + ((slot + pinIndex) % 8);
    }
}
