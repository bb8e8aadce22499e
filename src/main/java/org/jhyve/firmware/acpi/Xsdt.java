package org.jhyve.firmware.acpi;

import java.util.List;
import org.jhyve.firmware.LeBuffer;

/** Extended System Description Table: 64-bit pointers to the same tables as the RSDT. */
public final class Xsdt {
    private Xsdt() {}

    public static int size(int entries) { return AcpiHeader.SIZE + 8 * entries; }

    public static byte[] build(List<Long> tables) {
        LeBuffer b = AcpiHeader.begin("XSDT", 1);
        for (long t : tables) b.u64(t);
        return AcpiHeader.finish(b);
    }
}
