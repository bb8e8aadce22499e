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

/**
 * Vectored reads and writes (one preadv2/pwritev2 per IOV_MAX buffers) and the page-cache-only
 * read (RWF_NOWAIT) that lets virtio-blk serve cached reads in place.
 */
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

    /** More buffers than one system call takes, of uneven sizes (some empty), in both directions. */
    @Test
    void manyBuffersGoToConsecutiveBytesAndComeBack() throws Exception {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[1 << 20]);
        int count = 1500;   // > IOV_MAX (1024)
        try (FileBackend b = open(f); Arena a = Arena.ofConfined()) {
            List<MemorySegment> out = new java.util.ArrayList<>(), in = new java.util.ArrayList<>();
            long total = 0;
            for (int i = 0; i < count; i++) {
                int size = i % 7 == 3 ? 0 : 1 + i % 300;
                MemorySegment s = a.allocate(Math.max(size, 1)).asSlice(0, size);
                for (int j = 0; j < size; j++) s.set(JAVA_BYTE, j, (byte) (total + j));
                out.add(s);
                in.add(a.allocate(Math.max(size, 1)).asSlice(0, size));
                total += size;
            }
            assertEquals(0, b.write(4096, out));
            byte[] file = Files.readAllBytes(f);
            for (long k = 0; k < total; k++) assertEquals((byte) k, file[(int) (4096 + k)], "file byte " + (4096 + k));
            assertEquals(0, file[(int) (4096 + total)], "nothing written past the buffers");
            assertEquals(0, b.read(4096, in));
            long at = 0;
            for (MemorySegment s : in) {
                for (int j = 0; j < s.byteSize(); j++) assertEquals((byte) (at + j), s.get(JAVA_BYTE, j), "read byte " + (at + j));
                at += s.byteSize();
            }
        }
    }

    /** A read across the end of the file: the file's bytes, then zeros in the rest of that buffer and the next. */
    @Test
    void aReadAcrossTheEndZeroFillsEveryBufferPastIt() throws Exception {
        Path f = dir.resolve("disk.img");
        byte[] content = new byte[4096];
        java.util.Arrays.fill(content, (byte) 0x11);
        Files.write(f, content);
        try (FileBackend b = open(f); Arena a = Arena.ofConfined()) {
            MemorySegment x = a.allocate(1024), y = a.allocate(1024), z = a.allocate(1024);
            for (MemorySegment s : List.of(x, y, z)) s.fill((byte) 0x55);
            assertEquals(0, b.read(2560, List.of(x, y, z)));
            assertEquals(0x11, x.get(JAVA_BYTE, 1023));
            assertEquals(0x11, y.get(JAVA_BYTE, 511));
            assertEquals(0, y.get(JAVA_BYTE, 512), "first byte past the end");
            assertEquals(0, z.get(JAVA_BYTE, 0));
            assertEquals(0, z.get(JAVA_BYTE, 1023));
        }
    }

    /** Buffered writes to a file serialise on its inode lock; O_DIRECT ones may overlap. */
    @Test
    void onlyBufferedFileWritesSerialize() throws Exception {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[4096]);
        try (FileBackend buffered = open(f)) {
            assertEquals(true, buffered.writesSerialize());
        }
        try (FileBackend direct = open(f, "nocache", "true")) {
            assertEquals(false, direct.writesSerialize());
        }
    }
}
