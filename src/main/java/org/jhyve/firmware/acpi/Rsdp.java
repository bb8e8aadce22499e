package org.jhyve.firmware.acpi;

import org.jhyve.firmware.LeBuffer;

/** Root System Description Pointer, revision 2 (ACPI 2.0+): points at both the RSDT and the XSDT. */
public final class Rsdp {
    public static final int SIZE = 36;

    private Rsdp() {}

    public static byte[] build(long rsdt, long xsdt) {
        LeBuffer b = new LeBuffer();
        b.ascii("RSD PTR ", 8, ' ').u8(0).ascii(AcpiHeader.OEM_ID, 6, ' ').u8(2).u32(rsdt)
                .u32(SIZE).u64(xsdt).u8(0).zeros(3);
        byte[] t = b.toByteArray();
        LeBuffer.fixChecksum(t, 8, 0, 20);     // ACPI 1.0 checksum: first 20 bytes
        LeBuffer.fixChecksum(t, 32, 0, SIZE);  // extended checksum: the whole structure
        return t;
    }
}
