package org.jhyve.vm;

/**
 * What a device may ask of the VM as a whole: end it with a bhyve exit status (reset through
 * 0xCF9 or the i8042, ACPI S5, ...). The first request wins; later ones are ignored.
 */
public interface VmControl {
    void requestExit(ExitStatus status, String reason);
}
