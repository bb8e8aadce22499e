package org.jhyve.sys;

/**
 * MD5 (RFC 1321) for the identifiers bhyve derives from names (SMBIOS UUID, MAC addresses,
 * virtio-blk serials). Not for security. jhyve's own because the JDK's MessageDigest first
 * initialises the security providers, about 15-25 ms on the start-up path of every VM.
 */
public final class Md5 {
    private static final int[] S = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};
    private static final int[] K = new int[64];

    static {
        for (int i = 0; i < 64; i++) K[i] = (int) (long) Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296.0);
    }

    private Md5() { }

    /** The 16-byte digest of the concatenation of parts. */
    public static byte[] digest(byte[]... parts) {
        long len = 0;
        for (byte[] p : parts) len += p.length;
        int padded = (int) ((len + 8) / 64 + 1) * 64;
        byte[] m = new byte[padded];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, m, at, p.length);
            at += p.length;
        }
        m[at] = (byte) 0x80;
        long bits = len * 8;
        for (int i = 0; i < 8; i++) m[padded - 8 + i] = (byte) (bits >>> 8 * i);
        int a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
        int[] w = new int[16];
        for (int off = 0; off < padded; off += 64) {
            for (int i = 0; i < 16; i++) {
                int o = off + 4 * i;
                w[i] = m[o] & 0xFF | (m[o + 1] & 0xFF) << 8 | (m[o + 2] & 0xFF) << 16 | (m[o + 3] & 0xFF) << 24;
            }
            int a = a0, b = b0, c = c0, d = d0;
            for (int i = 0; i < 64; i++) {
                int f, g;
                if (i < 16) { f = b & c | ~b & d; g = i; }
                else if (i < 32) { f = d & b | ~d & c; g = (5 * i + 1) & 15; }
                else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
                else { f = c ^ (b | ~d); g = (7 * i) & 15; }
                int t = d;
                d = c;
                c = b;
                b = b + Integer.rotateLeft(a + f + K[i] + w[g], S[(i >>> 4) << 2 | i & 3]);
                a = t;
            }
            a0 += a; b0 += b; c0 += c; d0 += d;
        }
        byte[] out = new byte[16];
        int[] r = {a0, b0, c0, d0};
        for (int i = 0; i < 16; i++) out[i] = (byte) (r[i >>> 2] >>> 8 * (i & 3));
        return out;
    }
}
