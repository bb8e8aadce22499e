package org.jhyve.devices.virtio;

/**
 * An MSI-X table and pending-bit array (PCI 3.0 §6.8.2) in a memory BAR: 16 bytes per vector
 * (address low, address high, data, vector control with the mask bit), the PBA at
 * {@link #PBA_OFFSET}. A vector fired while masked (by its own bit or the function mask) is
 * remembered in the PBA and sent when unmasked.
 */
final class MsixTable {
    static final int ENTRY_SIZE = 16, PBA_OFFSET = 0x800, BAR_SIZE = 0x1000, MAX_VECTORS = 128;

    private final int count;
    private final int[] words;
    private final boolean[] pending;
    private final MsiVectors vectors;
    private boolean enabled, functionMask;

    MsixTable(int count, MsiVectors vectors) {
        if (count < 1 || count > MAX_VECTORS) throw new IllegalArgumentException("MSI-X table of " + count + " vectors");
        this.count = count;
        this.words = new int[4 * count];
        this.pending = new boolean[count];
        this.vectors = vectors;
        for (int v = 0; v < count; v++) words[4 * v + 3] = 1;   // masked at reset
    }

    int count() { return count; }

    synchronized boolean enabled() { return enabled; }

    /** The capability's enable and function-mask bits changed. */
    void setControl(boolean enable, boolean mask) {
        synchronized (this) {
            enabled = enable;
            functionMask = mask;
        }
        flushPending();
    }

    synchronized long read(long offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = v << 8 | byteAt(offset + i);
        return v;
    }

    private int byteAt(long off) {
        if (off < (long) ENTRY_SIZE * count) return words[(int) (off / 4)] >>> (8 * (int) (off % 4)) & 0xFF;
        long p = off - PBA_OFFSET;
        if (p >= 0 && p < (count + 7) / 8) {
            int b = 0;
            for (int bit = 0; bit < 8; bit++) {
                int v = (int) p * 8 + bit;
                if (v < count && pending[v]) b |= 1 << bit;
            }
            return b;
        }
        return 0;
    }

    void write(long offset, int size, long value) {
        if (offset + size > (long) ENTRY_SIZE * count) return;   // the PBA and the rest are read-only
        synchronized (this) {
            for (int i = 0; i < size; i++) {
                long off = offset + i;
                int w = (int) (off / 4), shift = 8 * (int) (off % 4);
                words[w] = words[w] & ~(0xFF << shift) | (int) (value >>> (8 * i) & 0xFF) << shift;
            }
            int first = (int) (offset / ENTRY_SIZE), last = (int) ((offset + size - 1) / ENTRY_SIZE);
            for (int v = first; v <= last; v++) {
                words[4 * v + 3] &= 1;   // only the mask bit of vector control is writable
                vectors.route(v, (words[4 * v] & 0xFFFF_FFFFL) | (long) words[4 * v + 1] << 32, words[4 * v + 2]);
            }
        }
        flushPending();
    }

    private boolean masked(int v) { return functionMask || (words[4 * v + 3] & 1) != 0; }

    /** Sends vector v, or marks it pending while masked. False when MSI-X is off or v is invalid. */
    boolean fire(int v) {
        synchronized (this) {
            if (!enabled || v < 0 || v >= count) return false;
            if (masked(v)) {
                pending[v] = true;
                return true;
            }
        }
        vectors.fire(v);
        return true;
    }

    private void flushPending() {
        for (int v = 0; v < count; v++) {
            boolean send;
            synchronized (this) {
                send = enabled && pending[v] && !masked(v);
                if (send) pending[v] = false;
            }
            if (send) vectors.fire(v);
        }
    }
}
