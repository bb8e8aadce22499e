package org.jhyve.firmware;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable little-endian byte buffer for building firmware tables. Fields that depend on later
 * content (lengths, checksums) are patched in place with the {@code *At} methods.
 */
public final class LeBuffer {
    private byte[] bytes = new byte[256];
    private int size;

    public int size() { return size; }

    public LeBuffer u8(int v) {
        ensure(1);
        bytes[size++] = (byte) v;
        return this;
    }

    public LeBuffer u16(int v) { return u8(v).u8(v >>> 8); }

    public LeBuffer u32(long v) { return u16((int) v).u16((int) (v >>> 16)); }

    public LeBuffer u64(long v) { return u32(v).u32(v >>> 32); }

    public LeBuffer bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
        return this;
    }

    public LeBuffer zeros(int n) {
        ensure(n);
        size += n; // the array is zero beyond size: nothing is ever written past it and then dropped
        return this;
    }

    /** Exactly {@code width} ASCII bytes: the text, padded with {@code pad}; longer text is refused. */
    public LeBuffer ascii(String text, int width, char pad) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        if (b.length > width) {
            throw new IllegalArgumentException("'" + text + "' is longer than the " + width + "-byte field");
        }
        bytes(b);
        for (int i = b.length; i < width; i++) u8(pad);
        return this;
    }

    /** Pads with zeros up to a multiple of {@code alignment}. */
    public LeBuffer align(int alignment) {
        int rest = size % alignment;
        return rest == 0 ? this : zeros(alignment - rest);
    }

    public void u8At(int offset, int v) {
        check(offset, 1);
        bytes[offset] = (byte) v;
    }

    public void u16At(int offset, int v) { u8At(offset, v); u8At(offset + 1, v >>> 8); }

    public void u32At(int offset, long v) { u16At(offset, (int) v); u16At(offset + 2, (int) (v >>> 16)); }

    public byte[] toByteArray() { return Arrays.copyOf(bytes, size); }

    /**
     * The byte that makes {@code b[from..from+length)} sum to zero modulo 256, given that the
     * checksum field itself currently holds zero.
     */
    public static byte checksum(byte[] b, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) sum += b[i];
        return (byte) -sum;
    }

    /** Stores into {@code b[at]} the checksum over {@code b[from..from+length)}. */
    public static void fixChecksum(byte[] b, int at, int from, int length) {
        b[at] = 0;
        b[at] = checksum(b, from, length);
    }

    private void check(int offset, int n) {
        if (offset < 0 || offset + n > size) {
            throw new IndexOutOfBoundsException("patch at " + offset + " (+" + n + ") outside " + size + " bytes");
        }
    }

    private void ensure(int n) {
        if (size + n > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
    }
}
