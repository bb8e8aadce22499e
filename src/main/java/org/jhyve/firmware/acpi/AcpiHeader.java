package org.jhyve.firmware.acpi;

import org.jhyve.firmware.LeBuffer;

/**
 * The 36-byte System Description Table header every ACPI table but the RSDP and FACS starts
 * with. The OEM ID is jhyve's own; the creator ID names jhyve too, since jhyve (not iasl, as in
 * bhyve) produced the tables.
 */
public final class AcpiHeader {
    public static final int SIZE = 36;
    public static final String OEM_ID = "JHYVE";
    public static final String CREATOR_ID = "JHYV";
    public static final int OEM_REVISION = 1;
    public static final int CREATOR_REVISION = 1;
    static final int LENGTH_OFFSET = 4;
    static final int CHECKSUM_OFFSET = 9;

    private AcpiHeader() {}

    /** Starts a table: the header with length and checksum still zero. OEM table ID "JH" + signature. */
    public static LeBuffer begin(String signature, int revision) {
        LeBuffer b = new LeBuffer();
        b.ascii(signature, 4, ' ').u32(0).u8(revision).u8(0)
                .ascii(OEM_ID, 6, ' ').ascii("JH" + signature, 8, ' ').u32(OEM_REVISION)
                .ascii(CREATOR_ID, 4, ' ').u32(CREATOR_REVISION);
        return b;
    }

    /** Fills in the length and the checksum over the whole table. */
    public static byte[] finish(LeBuffer b) {
        b.u32At(LENGTH_OFFSET, b.size());
        byte[] t = b.toByteArray();
        LeBuffer.fixChecksum(t, CHECKSUM_OFFSET, 0, t.length);
        return t;
    }
}
