package org.jhyve.firmware.acpi;

import org.jhyve.firmware.LeBuffer;

/** The 12-byte Generic Address Structure. */
final class Gas {
    static final int SYSTEM_IO = 1;
    static final int ACCESS_BYTE = 1;
    static final int ACCESS_WORD = 2;
    static final int ACCESS_DWORD = 3;

    private Gas() {}

    static void io(LeBuffer b, int bitWidth, int accessSize, long port) {
        b.u8(SYSTEM_IO).u8(bitWidth).u8(0).u8(accessSize).u64(port);
    }

    static void none(LeBuffer b) { b.zeros(12); }
}
