package org.jhyve.devices.block;

import org.jhyve.config.ConfigTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The page-cache-only read (preadv2 RWF_NOWAIT) that lets virtio-blk serve cached reads in place. */
class FileBackendTest {
    @TempDir Path dir;

    private FileBackend open(Path file, String... options) {
        ConfigTree t = new ConfigTree();
        t.set("d.path", file.toString());
        for (int i = 0; i < options.length; i += 2) t.set("d." + options[i], options[i + 1]);
        return FileBackend.open(BlockOptions.fromConfig(t, "d"));
    }

    @Test
    void cachedReadsReturnTheFilesBytes() throws Exception {
        Path f = dir.resolve("disk.img");
        byte[] content = new byte[64 * 1024];
        for (int i = 0; i < content.length; i++) content[i] = (byte) (i * 7);
        Files.write(f, content);   // just written: in the page cache
        try (FileBackend b = open(f); Arena a = Arena.ofConfined()) {
            MemorySegment x = a.allocate(4096), y = a.allocate(512);
            assertEquals(0, b.readCached(8192, List.of(x, y)));
            for (int i = 0; i < 4096; i++) assertEquals(content[8192 + i], x.get(JAVA_BYTE, i), "byte " + i);
            for (int i = 0; i < 512; i++) assertEquals(content[8192 + 4096 + i], y.get(JAVA_BYTE, i), "byte " + (4096 + i));
        }
    }

    /** Short at the end of the file: not an answer the caller may use (read() zero-fills there). */
    @Test
    void aReadPastTheEndIsLeftToTheOrdinaryRead() throws Exception {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[4096]);
        try (FileBackend b = open(f); Arena a = Arena.ofConfined()) {
            MemorySegment x = a.allocate(1024);
            assertEquals(-BlockBackend.EAGAIN, b.readCached(3584, List.of(x)));
            x.fill((byte) 0x55);
            assertEquals(0, b.read(3584, List.of(x)));
            assertEquals(0, x.get(JAVA_BYTE, 1000), "past the end reads as zeros");
        }
    }
}
