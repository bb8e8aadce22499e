package org.jhyve.mgmt.xml;

/** A device's {@code <address>}: where on a PCI bus, a disk controller or a virtio-serial port it sits. */
public sealed interface Address permits Address.Pci, Address.Drive, Address.VirtioSerial {

    /** {@code <address type='pci' domain bus slot function/>}. */
    record Pci(int domain, int bus, int slot, int function) implements Address {
        public Pci {
            if (slot < 0 || slot > 31) throw new IllegalArgumentException("PCI slot " + slot + " is outside 0-31");
            if (function < 0 || function > 7) {
                throw new IllegalArgumentException("PCI function " + function + " is outside 0-7");
            }
            if (bus < 0 || bus > 255) throw new IllegalArgumentException("PCI bus " + bus + " is outside 0-255");
        }

        public static Pci slot(int slot) { return new Pci(0, 0, slot, 0); }
    }

    /** {@code <address type='drive' controller bus target unit/>}. */
    record Drive(int controller, int bus, int target, int unit) implements Address {}

    /** {@code <address type='virtio-serial' controller bus port/>}. */
    record VirtioSerial(int controller, int bus, int port) implements Address {}
}
