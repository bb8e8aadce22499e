package org.jhyve.mgmt.xml;

/** {@code <features>}: acpi, apic and {@code <msrs unknown='ignore|fault'/>} (msrsUnknown null when absent). */
public record Features(boolean acpi, boolean apic, String msrsUnknown) {
    public static final Features NONE = new Features(false, false, null);

    public boolean isEmpty() { return !acpi && !apic && msrsUnknown == null; }
}
