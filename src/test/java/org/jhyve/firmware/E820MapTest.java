package org.jhyve.firmware;

import static org.jhyve.firmware.Bytes.u32;
import static org.jhyve.firmware.Bytes.u64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.jhyve.firmware.E820Entry.Type;
import org.junit.jupiter.api.Test;

class E820MapTest {
    @Test
    void smallGuest() {
        E820Map m = E820Map.of(Platforms.of(Platforms.config("1", "256M")));
        assertEquals(List.of(
                new E820Entry(0, 0xA0000, Type.RAM),
                new E820Entry(0xA0000, 0x60000, Type.RESERVED),
                new E820Entry(0x100000, (256L << 20) - 0x100000, Type.RAM),
                new E820Entry(0xE0000000L, 0x10000000L, Type.RESERVED)), m.entries());
    }

    @Test
    void largeGuestSplitsAroundThePciHole() {
        E820Map m = E820Map.of(Platforms.of(Platforms.config("1", "5G")));
        assertEquals(5, m.entries().size());
        assertEquals(new E820Entry(0x100000, (3L << 30) - 0x100000, Type.RAM), m.entries().get(2));
        assertEquals(new E820Entry(4L << 30, 2L << 30, Type.RAM), m.entries().get(4));
    }

    @Test
    void bootProtocolEncodings() {
        E820Map m = E820Map.of(Platforms.of(Platforms.config("1", "5G")));
        byte[] zp = m.zeroPageBytes();
        assertEquals(5 * 20, zp.length);
        assertEquals(4L << 30, u64(zp, 80));
        assertEquals(2L << 30, u64(zp, 88));
        assertEquals(1, u32(zp, 96));
        assertEquals(2, u32(zp, 36));
        byte[] pvh = m.pvhBytes();
        assertEquals(5 * 24, pvh.length);
        assertEquals(0xE0000000L, u64(pvh, 72));
        assertEquals(2, u32(pvh, 88));
        assertEquals(0, u32(pvh, 92));
    }

    @Test
    void overlapsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new E820Map(List.of(
                new E820Entry(0, 0x2000, Type.RAM), new E820Entry(0x1000, 0x1000, Type.RESERVED))));
    }
}
