package org.jhyve.devices.e1000;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * A TCP/IP context descriptor (DEXT=1, DTYP=0): where the IP and TCP/UDP checksums start, are
 * stored and end (an end of 0 means the end of the packet), and for TCP segmentation the header
 * length, the MSS and the TUCMD bits (TCP, IP = IPv4, TSE).
 */
record TxContext(int ipcss, int ipcso, int ipcse, int tucss, int tucso, int tucse, int paylen, int tucmd,
                 int hdrLen, int mss) {
    static final TxContext NONE = new TxContext(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    static TxContext parse(MemorySegment d) {
        int upper = d.get(JAVA_INT_UNALIGNED, 8);
        return new TxContext(d.get(JAVA_BYTE, 0) & 0xFF, d.get(JAVA_BYTE, 1) & 0xFF,
                d.get(JAVA_SHORT_UNALIGNED, 2) & 0xFFFF, d.get(JAVA_BYTE, 4) & 0xFF, d.get(JAVA_BYTE, 5) & 0xFF,
                d.get(JAVA_SHORT_UNALIGNED, 6) & 0xFFFF, upper & 0xFFFFF, upper >>> 24,
                d.get(JAVA_BYTE, 13) & 0xFF, d.get(JAVA_SHORT_UNALIGNED, 14) & 0xFFFF);
    }

    boolean tcp() { return (tucmd & Regs.TUCMD_TCP) != 0; }

    boolean ipv4() { return (tucmd & Regs.TUCMD_IP) != 0; }

    boolean tse() { return (tucmd & Regs.TUCMD_TSE) != 0; }
}
