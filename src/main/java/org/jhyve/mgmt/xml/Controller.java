package org.jhyve.mgmt.xml;

/**
 * {@code <controller type index model ports>}: sata, nvme (with {@code <serial>}), usb (nec-xhci),
 * isa, virtio-serial, pci (pci-root). Absent values are null.
 */
public record Controller(String type, Integer index, String model, Integer ports, String serial,
                         Address address) {

    public int indexOrZero() { return index == null ? 0 : index; }

    public Controller withAddress(Address a) { return new Controller(type, index, model, ports, serial, a); }

    public static Controller implicit(String type, int index) {
        return new Controller(type, index, null, null, null, null);
    }
}
