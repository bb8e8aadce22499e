package org.jhyve.vm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

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

    // A VM home's RAM file: jhyve creates it, jhyveload's RAM is opened again by jhyve, and
    // both map the same pages.

    @Test
    void namedFileIsTheOwnersAloneSparseAndSharedWithALaterOpen(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ram");
        try (GuestMemory m = GuestMemory.file(f, 4 << 20, true)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
            assertEquals(4 << 20, Files.size(f));
            assertEquals(0L, blocks(f), "grown with holes: no page is allocated before the guest touches it");
            m.writeLong(0x3F_F000, 0x0123456789ABCDEFL);
            try (GuestMemory again = GuestMemory.file(f, 4 << 20, false)) {
                assertEquals(0x0123456789ABCDEFL, again.readLong(0x3F_F000), "one file, one set of pages");
            }
        }
        try (GuestMemory later = GuestMemory.file(f, 4 << 20, false)) {
            assertEquals(0x0123456789ABCDEFL, later.readLong(0x3F_F000), "kept in the file after close");
        }
    }

    @Test
    void namedFileErrorsSayWhatAndWhere(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ram");
        GuestMemory.file(f, 2 << 20, true).close();
        var exists = assertThrows(IllegalStateException.class, () -> GuestMemory.file(f, 2 << 20, true));
        assertEquals("cannot create guest memory file " + f + ": it exists already", exists.getMessage());
        var size = assertThrows(IllegalStateException.class, () -> GuestMemory.file(f, 4 << 20, false));
        assertEquals("guest memory file " + f + " holds 2097152 bytes, expected 4194304", size.getMessage());
        var missing = assertThrows(IllegalStateException.class, () -> GuestMemory.file(dir.resolve("none"), 2 << 20, false));
        assertTrue(missing.getMessage().endsWith("none: No such file or directory"), missing.getMessage());
    }

    private static long blocks(Path f) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b", f.toString()).start();
        return Long.parseLong(new String(p.getInputStream().readAllBytes()).trim());
    }
}
