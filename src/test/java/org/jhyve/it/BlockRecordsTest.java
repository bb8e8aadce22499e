package org.jhyve.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The durability harness matches the guest's record format, finds damage and reads the guest's reports. */
class BlockRecordsTest {
    @TempDir Path dir;

    @Test
    void recordLayoutIsTheGuests() {
        byte[] r = BlockRecords.expected(0x102);
        assertEquals("4a48595645524543" + "0201000000000000" + "fdfeffffffffffff",
                HexFormat.of().formatHex(r, 0, 24), "magic, n and ~n little-endian");
        assertEquals((byte) (0x102 + 24), r[24]);
        assertEquals((byte) (0x102 + 511), r[511]);
    }

    @Test
    void detectsDamageAndParsesReports() throws Exception {
        Path f = dir.resolve("d.img");
        int first = 3;
        byte[] disk = new byte[16 * 512];
        for (int n = 0; n < 6; n++) System.arraycopy(BlockRecords.expected(n), 0, disk, (first + n) * 512, 512);
        disk[(first + 3) * 512 + 100] ^= 1;
        System.arraycopy(BlockRecords.expected(7), 0, disk, (first + 4) * 512, 512);   // a record in the wrong place
        Files.write(f, disk);
        assertEquals(List.of(3, 4), BlockRecords.damaged(f, first, 5));
        assertEquals(List.of(3, 4, 6, 7, 8), BlockRecords.damaged(f, first, 8), "missing records count as damaged");
        assertEquals(List.of(), BlockRecords.damaged(f, first, 2));
        assertEquals(List.of(0, 1, 2), BlockRecords.damaged(f, 0, 2), "records are found only at their sector");
        assertEquals(List.of(3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14), BlockRecords.damaged(f, first, 14),
                "records 13 and 14 lie past the end of the file");

        assertEquals(1, BlockRecords.lastDurable(List.of("blk-records: sector=3 count=9 flush=yes",
                "blk-records: record 0 durable", "x", "blk-records: record 1 durable")));
        assertEquals(-1, BlockRecords.lastDurable(List.of("blk-records: sector=0 count=9 flush=yes")));
        assertThrows(AssertionError.class, () -> BlockRecords.lastDurable(List.of("blk-records: record 1 durable")),
                "a gap in the reports is a guest or console bug");
    }
}
