package org.jhyve.firmware.acpi;

import org.jhyve.firmware.LeBuffer;

/**
 * Firmware ACPI Control Structure (64 bytes, 64-byte aligned). Nothing in it is used: jhyve has
 * no S3 resume (waking vector stays 0) and no ACPI global lock users.
 */
public final class Facs {
    public static final int SIZE = 64;
    public static final int ALIGNMENT = 64;

    private Facs() {}

    public static byte[] build() {
        LeBuffer b = new LeBuffer();
        b.ascii("FACS", 4, ' ').u32(SIZE).u32(0) // hardware signature
                .u32(0)     // firmware waking vector
                .u32(0)     // global lock
                .u32(0)     // flags
                .u64(0)     // X firmware waking vector
                .u8(2)      // version
                .zeros(3).u32(0) // OSPM flags
                .zeros(24);
        return b.toByteArray();
    }
}
