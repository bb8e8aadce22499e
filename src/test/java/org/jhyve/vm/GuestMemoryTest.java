package org.jhyve.vm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Guest-physical address checks: the one gate every guest-supplied address passes. */
class GuestMemoryTest {
    @Test
    void lowAndHighRamAroundThePciHole() {
        // 3 GiB + 64 MiB: 3 GiB low, 64 MiB from 4 GiB. MAP_NORESERVE keeps this cheap.
        try (GuestMemory m = GuestMemory.create("t", 0xC000_0000L + (64L << 20))) {
            assertEquals(0xC000_0000L, m.lowSize());
            assertEquals(64L << 20, m.highSize());
            assertTrue(m.isRam(0, 4096));
            assertTrue(m.isRam(0xBFFF_F000L, 4096));
            assertFalse(m.isRam(0xBFFF_F000L, 4097), "crosses into the hole");
            assertFalse(m.isRam(0xC000_0000L, 1), "the PCI hole is not RAM");
            assertFalse(m.isRam(0xFFFF_FFFFL, 2), "straddles 4 GiB");
            assertTrue(m.isRam(0x1_0000_0000L, 64L << 20));
            assertFalse(m.isRam(0x1_0000_0000L, (64L << 20) + 1));
            m.writeLong(0x1_0000_0000L + 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, m.readLong(0x1_0000_0000L + 8));
            m.write(0xBFFF_FFF0L, new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, m.read(0xBFFF_FFF0L, 3));
        }
    }

    @Test
    void hostileAddressesAreRefusedNotWrapped() {
        try (GuestMemory m = GuestMemory.create("t", 16 << 20)) {
            assertThrows(GuestMemory.GuestMemoryException.class, () -> m.slice(-1L, 1));
            assertThrows(GuestMemory.GuestMemoryException.class, () -> m.slice(0x1000, -5));
            assertThrows(GuestMemory.GuestMemoryException.class, () -> m.slice(0xFFFF_FFFF_FFFF_F000L, 0x2000));
            assertThrows(GuestMemory.GuestMemoryException.class, () -> m.slice(8, Long.MAX_VALUE));
            assertThrows(GuestMemory.GuestMemoryException.class, () -> m.slice(16 << 20, 1));
            assertThrows(GuestMemory.GuestMemoryException.class, () -> m.slice(0x1_0000_0000L, 1), "no high RAM");
            assertEquals(16 << 20, m.slice(0, 16 << 20).byteSize());
        }
    }

    @Test
    void sizeMustBePagesAndAtLeastOneMiB() {
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.create("t", 4096));
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.create("t", (2 << 20) + 1));
    }
}
