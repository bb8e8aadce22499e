package org.jhyve.devices.lpc;

import org.jhyve.bus.IoDevice;

/**
 * The POST diagnostic port 0x80. Firmware and kernels write progress codes (and Linux uses it as a
 * delay); the last one is kept for diagnostics after a hang. Reads return it too.
 */
public final class Port80 implements IoDevice {
    public static final int PORT = 0x80;

    private volatile int last = 0xFF;
    private volatile long writes;

    @Override
    public long read(long offset, int size) { return last; }

    @Override
    public void write(long offset, int size, long value) {
        last = (int) value & 0xFF;
        writes++;
    }

    /** The last POST code written (0xFF before any). */
    public int lastCode() { return last; }

    public long writeCount() { return writes; }
}
