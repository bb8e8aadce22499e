package org.jhyve.devices.e1000;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/** The Internet checksum (RFC 1071) over frame bytes, and big-endian field access. */
final class Checksum {
    private Checksum() {}

    /** Sum of the big-endian 16-bit words in [from, to), an odd last byte padded with zero; not folded. */
    static long sum(MemorySegment s, int from, int to) {
        long acc = 0;
        int i = from;
        for (; i + 1 < to; i += 2) acc += Short.reverseBytes(s.get(JAVA_SHORT_UNALIGNED, i)) & 0xFFFF;
        if (i < to) acc += (s.get(JAVA_BYTE, i) & 0xFF) << 8;
        return acc;
    }

    static int fold(long acc) {
        while ((acc >>> 16) != 0) acc = (acc & 0xFFFF) + (acc >>> 16);
        return (int) acc;
    }

    static int u16(MemorySegment s, int off) { return Short.reverseBytes(s.get(JAVA_SHORT_UNALIGNED, off)) & 0xFFFF; }

    static void put16(MemorySegment s, int off, int v) { s.set(JAVA_SHORT_UNALIGNED, off, Short.reverseBytes((short) v)); }

    static long u32(MemorySegment s, int off) { return (long) u16(s, off) << 16 | u16(s, off + 2); }

    static void put32(MemorySegment s, int off, long v) {
        put16(s, off, (int) (v >>> 16));
        put16(s, off + 2, (int) v);
    }
}
