package org.jhyve.devices.net;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * struct virtio_net_hdr (virtio 1.x §5.1.6), which a tap opened with IFF_VNET_HDR puts in front
 * of every frame: 10 bytes, or 12 with num_buffers (mergeable RX buffers, and always for virtio
 * 1.x). Fields are little-endian, as the tap uses them on x86 (TUNSETVNETLE not needed).
 */
public record VnetHeader(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset, int numBuffers) {
    public static final int LENGTH = 10, MRG_LENGTH = 12, MAX_LENGTH = 12;
    public static final int F_NEEDS_CSUM = 1, F_DATA_VALID = 2;
    public static final int GSO_NONE = 0, GSO_TCPV4 = 1, GSO_UDP = 3, GSO_TCPV6 = 4, GSO_ECN = 0x80;

    public static final VnetHeader NONE = new VnetHeader(0, GSO_NONE, 0, 0, 0, 0, 0);

    /** Decodes length (10 or 12) bytes at the start of seg. */
    public static VnetHeader read(MemorySegment seg, int length) {
        if (length != LENGTH && length != MRG_LENGTH) throw new IllegalArgumentException("vnet header length " + length);
        return new VnetHeader(seg.get(JAVA_BYTE, 0) & 0xFF, seg.get(JAVA_BYTE, 1) & 0xFF, u16(seg, 2), u16(seg, 4),
                u16(seg, 6), u16(seg, 8), length == MRG_LENGTH ? u16(seg, 10) : 0);
    }

    /** Encodes into the first length (10 or 12) bytes of seg. */
    public void write(MemorySegment seg, int length) {
        if (length != LENGTH && length != MRG_LENGTH) throw new IllegalArgumentException("vnet header length " + length);
        seg.set(JAVA_BYTE, 0, (byte) flags);
        seg.set(JAVA_BYTE, 1, (byte) gsoType);
        seg.set(JAVA_SHORT_UNALIGNED, 2, (short) hdrLen);
        seg.set(JAVA_SHORT_UNALIGNED, 4, (short) gsoSize);
        seg.set(JAVA_SHORT_UNALIGNED, 6, (short) csumStart);
        seg.set(JAVA_SHORT_UNALIGNED, 8, (short) csumOffset);
        if (length == MRG_LENGTH) seg.set(JAVA_SHORT_UNALIGNED, 10, (short) numBuffers);
    }

    private static int u16(MemorySegment s, long off) { return s.get(JAVA_SHORT_UNALIGNED, off) & 0xFFFF; }
}
