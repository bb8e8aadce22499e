package org.jhyve.bus;

/**
 * A wire into the interrupt controllers (PIC and IOAPIC input, i.e. a GSI). Edge devices such as
 * the 16550 pulse it; level devices (PCI INTx, the ACPI SCI) hold it while their condition holds.
 */
public interface IrqLine {
    void set(boolean asserted);

    default void pulse() {
        set(true);
        set(false);
    }
}
