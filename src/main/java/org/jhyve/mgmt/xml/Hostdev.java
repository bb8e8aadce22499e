package org.jhyve.mgmt.xml;

/**
 * {@code <hostdev mode='subsystem' type='pci' managed>} whose {@code <source><address>} names the
 * host device and whose own address (may be null) places it in the guest.
 */
public record Hostdev(String mode, String type, String managed, Address.Pci source, Address address) {
    public Hostdev withAddress(Address a) { return new Hostdev(mode, type, managed, source, a); }
}
