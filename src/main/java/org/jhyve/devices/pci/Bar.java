package org.jhyve.devices.pci;

/**
 * A snapshot of one BAR: index (0-5), kind, prefetchable flag, size (a power of two), the address
 * the guest (or the assignment) programmed, and where it is decoded now: {@code mappedAt} is -1
 * while the region is not on its bus (decode off, address 0, or a clash).
 */
public record Bar(int index, BarKind kind, boolean prefetchable, long size, long address, long mappedAt) {
    public boolean mapped() { return mappedAt >= 0; }
}
