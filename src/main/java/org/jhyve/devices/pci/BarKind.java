package org.jhyve.devices.pci;

/** What a base address register decodes. A 64-bit BAR also takes the next BAR register. */
public enum BarKind {
    IO(0x1, 4, 0xFFFFFFFFL),
    MEM32(0x0, 16, 0xFFFFFFFFL),
    MEM64(0x4, 16, -1L);

    /** The read-only type bits in the low dword of the register. */
    final int typeBits;
    /** The PCI minimum size for this kind (smaller requests are rounded up to it, as bhyve does). */
    final long minSize;
    /** The addresses the register can hold. */
    final long addressMask;

    BarKind(int typeBits, long minSize, long addressMask) {
        this.typeBits = typeBits;
        this.minSize = minSize;
        this.addressMask = addressMask;
    }
}
