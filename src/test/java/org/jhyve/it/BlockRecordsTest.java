package org.jhyve.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The durability harness finds damaged or missing records and reads the guest's flush reports. */
class BlockRecordsTest {
    @TempDir Path dir;

    @Test
    void detectsDamageAndParsesReports() throws Exception {
        Path f = dir.resolve("d.img");
        byte[] disk = new byte[8 * 512];
        for (int i = 0; i < 6; i++) System.arraycopy(BlockRecords.expected(2, i), 0, disk, i * 512, 512);
        disk[3 * 512 + 100] ^= 1;
        System.arraycopy(BlockRecords.expected(1, 4), 0, disk, 4 * 512, 512);   // stale record of round 1
        Files.write(f, disk);
        assertEquals(List.of(3, 4), BlockRecords.damaged(f, 2, 5));
        assertEquals(List.of(3, 4, 6, 7, 8), BlockRecords.damaged(f, 2, 8), "missing records count as damaged");
        assertEquals(List.of(), BlockRecords.damaged(f, 2, 2));
        assertEquals(5, BlockRecords.lastFlushed(List.of("blkrec: flushed round=2 index=4", "x",
                "blkrec: flushed round=2 index=5", "blkrec: flushed round=1 index=9"), 2));
        assertEquals(-1, BlockRecords.lastFlushed(List.of("blkrec: flushed round=1 index=9"), 2));
    }
}
