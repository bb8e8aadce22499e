package org.jhyve.mgmt.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** domblkstat's per-disk numbers: capacity is the file size, allocation what its blocks take. */
class DomainStatsTest {
    @TempDir
    Path tmp;

    @Test
    void aSparseDiskHasLittleAllocation() throws Exception {
        var f = tmp.resolve("sparse.img");
        try (var raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(1L << 30);
        }
        var m = DomainStats.diskFile(f);
        assertEquals(1L << 30, m.get("capacity"), m.toString());
        assertTrue((Long) m.get("allocation") < (1L << 20), m.toString());
    }

    @Test
    void writtenDataIsAllocated() throws Exception {
        var f = tmp.resolve("dense.img");
        var data = new byte[256 << 10];
        new Random(1).nextBytes(data);
        Files.write(f, data);
        var m = DomainStats.diskFile(f);
        assertEquals((long) data.length, m.get("capacity"), m.toString());
        assertTrue((Long) m.get("allocation") >= data.length, m.toString());
    }

    @Test
    void aMissingDiskIsAnErrorEntry() {
        var m = DomainStats.diskFile(tmp.resolve("nosuch.img"));
        assertTrue(m.get("error").toString().startsWith("cannot stat " + tmp.resolve("nosuch.img")), m.toString());
        assertEquals(null, m.get("capacity"));
    }
}
