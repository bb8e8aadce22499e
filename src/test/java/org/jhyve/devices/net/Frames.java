package org.jhyve.devices.net;

import java.nio.ByteBuffer;

/** Ethernet/ARP/IPv4/ICMP/TCP/UDP frames for tests, and an independent Internet checksum. */
public final class Frames {
    private Frames() {}

    public static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    public static byte[] mac(String s) { return MacAddress.parse(s).bytes(); }

    public static byte[] ip(String s) {
        String[] p = s.split("\\.");
        return new byte[] {(byte) Integer.parseInt(p[0]), (byte) Integer.parseInt(p[1]), (byte) Integer.parseInt(p[2]),
                (byte) Integer.parseInt(p[3])};
    }

    public static byte[] ethernet(byte[] dst, byte[] src, int type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        b.put(dst).put(src).putShort((short) type).put(payload);
        return b.array();
    }

    /** An ARP request from (mac, ip) for target ip, broadcast. */
    public static byte[] arpRequest(byte[] mac, byte[] ip, byte[] target) {
        ByteBuffer a = ByteBuffer.allocate(28);
        a.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1)
                .put(mac).put(ip).put(new byte[6]).put(target);
        return ethernet(BROADCAST, mac, 0x0806, a.array());
    }

    /** An IPv4 header (no options) with a correct checksum, followed by payload. */
    public static byte[] ipv4(byte[] src, byte[] dst, int protocol, int id, byte[] payload) {
        ByteBuffer h = ByteBuffer.allocate(20 + payload.length);
        h.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putShort((short) id)
                .putShort((short) 0x4000).put((byte) 64).put((byte) protocol).putShort((short) 0).put(src).put(dst);
        byte[] out = h.put(payload).array();
        int c = checksum(out, 0, 20, 0);
        out[10] = (byte) (c >> 8);
        out[11] = (byte) c;
        return out;
    }

    public static byte[] icmpEcho(int id, int seq, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(data);
        byte[] out = b.array();
        int c = checksum(out, 0, out.length, 0);
        out[2] = (byte) (c >> 8);
        out[3] = (byte) c;
        return out;
    }

    /** ones'-complement checksum (complemented) over bytes[from, to) plus an initial sum. */
    public static int checksum(byte[] b, int from, int to, long initial) {
        long sum = initial;
        for (int i = from; i < to; i += 2) {
            int hi = b[i] & 0xFF, lo = i + 1 < to ? b[i + 1] & 0xFF : 0;
            sum += hi << 8 | lo;
        }
        while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int) (~sum & 0xFFFF);
    }

    /** The IPv4 pseudo-header sum for a TCP/UDP segment of length len. */
    public static long pseudoSum(byte[] src, byte[] dst, int protocol, int len) {
        return u16(src, 0) + u16(src, 2) + u16(dst, 0) + u16(dst, 2) + protocol + len;
    }

    public static int u16(byte[] b, int off) { return (b[off] & 0xFF) << 8 | b[off + 1] & 0xFF; }

    public static long u32(byte[] b, int off) { return (long) u16(b, off) << 16 | u16(b, off + 2); }

    /** A TCP segment (20-byte header, no options) with the given flags; checksum field left as given. */
    public static byte[] tcp(int sport, int dport, long seq, int flags, int checksumField, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.putShort((short) sport).putShort((short) dport).putInt((int) seq).putInt(0).put((byte) 0x50).put((byte) flags)
                .putShort((short) 65535).putShort((short) checksumField).putShort((short) 0).put(payload);
        return b.array();
    }

    public static byte[] udp(int sport, int dport, int checksumField, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload.length))
                .putShort((short) checksumField).put(payload);
        return b.array();
    }

    /** Whether the IPv4 frame (Ethernet at 0) has valid IP and TCP/UDP checksums. */
    public static boolean checksumsValid(byte[] f) {
        int ihl = (f[14] & 0xF) * 4;
        if (checksum(f, 14, 14 + ihl, 0) != 0) return false;
        int total = u16(f, 16);
        int l4 = 14 + ihl, l4len = total - ihl;
        byte[] src = java.util.Arrays.copyOfRange(f, 26, 30), dst = java.util.Arrays.copyOfRange(f, 30, 34);
        return checksum(f, l4, l4 + l4len, pseudoSum(src, dst, f[23] & 0xFF, l4len)) == 0;
    }

    public static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte) (i * 7 + seed);
        return b;
    }
}
