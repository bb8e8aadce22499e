package org.jhyve.firmware.acpi;

import java.util.List;
import org.jhyve.firmware.LeBuffer;

/** Root System Description Table: 32-bit pointers to the other tables (except DSDT and FACS). */
public final class Rsdt {
    private Rsdt() {}

    public static int size(int entries) { return AcpiHeader.SIZE + 4 * entries; }

    public static byte[] build(List<Long> tables) {
        LeBuffer b = AcpiHeader.begin("RSDT", 1);
        for (long t : tables) {
            if (t > 0xFFFFFFFFL) throw new IllegalArgumentException("table at 0x" + Long.toHexString(t) + " beyond the RSDT's reach");
            b.u32(t);
        }
        return AcpiHeader.finish(b);
    }
}
