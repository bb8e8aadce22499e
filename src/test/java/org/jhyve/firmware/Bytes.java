package org.jhyve.firmware;

import java.nio.charset.StandardCharsets;

/** Little-endian reads for checking table bytes. */
public final class Bytes {
    private Bytes() {}

    public static int u8(byte[] b, int at) { return b[at] & 0xFF; }

    public static int u16(byte[] b, int at) { return u8(b, at) | u8(b, at + 1) << 8; }

    public static long u32(byte[] b, int at) { return (long) u16(b, at) | (long) u16(b, at + 2) << 16; }

    public static long u64(byte[] b, int at) { return u32(b, at) | u32(b, at + 4) << 32; }

    public static String ascii(byte[] b, int at, int length) {
        return new String(b, at, length, StandardCharsets.US_ASCII);
    }

    /** The byte sum of a range, modulo 256 (0 for a correct checksum). */
    public static int sum(byte[] b, int from, int length) {
        int s = 0;
        for (int i = from; i < from + length; i++) s += b[i];
        return s & 0xFF;
    }
}
