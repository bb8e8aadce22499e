package org.jhyve.bus;

/**
 * A device region on a bus: port I/O or MMIO. Offsets are relative to the start of the range the
 * device was registered at, so one device class can sit at any base (COM1..COM4, BARs).
 * Accesses are 1, 2, 4 or 8 bytes. Implementations are called from vCPU threads and must be
 * thread-safe where more than one vCPU can reach them.
 */
public interface IoDevice {
    /** Returns the value read; only the low {@code size} bytes are used. */
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
