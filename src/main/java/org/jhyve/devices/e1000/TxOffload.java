package org.jhyve.devices.e1000;

import java.lang.foreign.MemorySegment;

/**
 * What the 8254x does to a packet between its descriptors and the wire: checksum insertion
 * (legacy CSO/CSS, or the context's IP and TCP/UDP ranges) and TCP segmentation, done in
 * software as bhyve does so that every back end gets plain frames of at most MSS payload.
 * Offsets come from the guest: every one is checked against the packet, and a packet whose
 * offsets do not fit is refused (the caller drops it) instead of touching memory outside it.
 */
final class TxOffload {
    private TxOffload() {}

    /** Receives each finished frame: the first len bytes of frame. */
    @FunctionalInterface
    interface Sink {
        void frame(MemorySegment frame, int len);
    }

    /** Why a packet was refused, for the device's log. */
    static final class BadPacket extends Exception {
        BadPacket(String message) { super(message, null, false, false); }
    }

    /** Legacy descriptor checksum (IC): sum from css to the end, stored at cso. */
    static void legacyChecksum(MemorySegment p, int len, int css, int cso) throws BadPacket {
        insert(p, len, css, 0, cso, 0, "legacy");
    }

    /**
     * Stores the complement of the ones'-complement sum over [start, end] (end inclusive, 0 =
     * end of packet), plus extra, at offset at. The field's current content is part of the sum:
     * the driver leaves the pseudo-header sum there (TCP/UDP) or zero (IP).
     */
    static void insert(MemorySegment p, int len, int start, int end, int at, long extra, String what) throws BadPacket {
        int stop = end == 0 ? len : end + 1;
        if (start >= len || stop > len || stop <= start || at + 2 > len || at < start) {
            throw new BadPacket(what + " checksum range " + start + ".." + end + " at " + at + " outside a " + len + "-byte packet");
        }
        Checksum.put16(p, at, ~Checksum.fold(Checksum.sum(p, start, stop) + extra) & 0xFFFF);
    }

    /** Context checksums for one (not segmented) packet, per the data descriptor's POPTS. */
    static void contextChecksums(MemorySegment p, int len, TxContext c, int popts) throws BadPacket {
        if ((popts & Regs.POPTS_IXSM) != 0) insert(p, len, c.ipcss(), c.ipcse(), c.ipcso(), 0, "IP");
        if ((popts & Regs.POPTS_TXSM) != 0) {
            insert(p, len, c.tucss(), c.tucse(), c.tucso(), 0, c.tcp() ? "TCP" : "UDP");
            // UDP: a computed zero is sent as all ones (zero means "no checksum")
            if (!c.tcp() && Checksum.u16(p, c.tucso()) == 0) Checksum.put16(p, c.tucso(), 0xFFFF);
        }
    }

    /**
     * TCP segmentation of packet p (headers of c.hdrLen() bytes, then the payload) into frames of
     * at most c.mss() payload bytes, built in scratch and handed to sink. Per segment: IPv4 total
     * length and ID (+1 each), or the IPv6 payload length; TCP sequence number; FIN and PSH only on
     * the last; checksums per popts, the TCP one with the segment's length added to the
     * pseudo-header sum the driver left in the field. Returns the number of frames.
     */
    static int segment(MemorySegment p, int len, TxContext c, int popts, MemorySegment scratch, Sink sink) throws BadPacket {
        int hdr = c.hdrLen(), mss = c.mss();
        if (mss == 0) throw new BadPacket("TSO with an MSS of 0");
        if (hdr == 0 || hdr >= len) throw new BadPacket("TSO header length " + hdr + " for a " + len + "-byte packet");
        if (c.tucss() + 20 > hdr || c.tucso() + 2 > hdr) throw new BadPacket("TSO TCP header at " + c.tucss() + " outside the " + hdr + "-byte headers");
        if (c.ipv4() ? c.ipcss() + 20 > hdr || c.ipcso() + 2 > hdr : c.ipcss() + 40 > hdr) {
            throw new BadPacket("TSO IP header at " + c.ipcss() + " outside the " + hdr + "-byte headers");
        }
        if ((long) hdr + mss > scratch.byteSize()) throw new BadPacket("TSO segment of " + (hdr + mss) + " bytes");
        int payload = len - hdr;
        int ipId = Checksum.u16(p, c.ipcss() + 4);
        long seq = Checksum.u32(p, c.tucss() + 4);
        int flags = p.get(java.lang.foreign.ValueLayout.JAVA_BYTE, c.tucss() + 13) & 0xFF;
        int count = 0;
        for (int off = 0; off < payload; off += mss) {
            int n = Math.min(mss, payload - off);
            boolean last = off + n >= payload;
            MemorySegment.copy(p, 0, scratch, 0, hdr);
            MemorySegment.copy(p, hdr + off, scratch, hdr, n);
            int flen = hdr + n;
            if (c.ipv4()) {
                Checksum.put16(scratch, c.ipcss() + 2, flen - c.ipcss());
                Checksum.put16(scratch, c.ipcss() + 4, ipId + count);
            } else {
                Checksum.put16(scratch, c.ipcss() + 4, flen - c.ipcss() - 40);
            }
            if (c.tcp()) {
                Checksum.put32(scratch, c.tucss() + 4, seq + off);
                scratch.set(java.lang.foreign.ValueLayout.JAVA_BYTE, c.tucss() + 13,
                        (byte) (last ? flags : flags & ~0x09));
            } else {
                Checksum.put16(scratch, c.tucss() + 4, flen - c.tucss());   // UDP length
            }
            if ((popts & Regs.POPTS_IXSM) != 0 && c.ipv4()) {
                Checksum.put16(scratch, c.ipcso(), 0);
                insert(scratch, flen, c.ipcss(), c.ipcse(), c.ipcso(), 0, "IP");
            }
            if ((popts & Regs.POPTS_TXSM) != 0) {
                insert(scratch, flen, c.tucss(), 0, c.tucso(), flen - c.tucss(), "TCP");
            }
            sink.frame(scratch, flen);
            count++;
        }
        return count;
    }
}
