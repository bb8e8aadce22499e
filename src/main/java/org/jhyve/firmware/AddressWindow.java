package org.jhyve.firmware;

/** A range of guest addresses (memory or I/O ports) handed to PCI devices: [base, base + size). */
public record AddressWindow(long base, long size) {
    public AddressWindow {
        if (base < 0 || size <= 0) throw new IllegalArgumentException("bad window base " + base + " size " + size);
    }

    /** The last address inside the window. */
    public long last() { return base + size - 1; }

    public long end() { return base + size; }
}
