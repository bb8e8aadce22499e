package org.jhyve.devices.virtio;

import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;
import org.jhyve.devices.block.BlockOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;

import static org.jhyve.devices.virtio.VirtioBlk.*;
import static org.junit.jupiter.api.Assertions.*;

/** virtio-blk through the transport on a temporary file: every request type and the bhyve options. */
class VirtioBlkTest {
    @TempDir Path dir;
    private Harness h;
    private FakeDriver d;
    private Path disk;
    private int nextUsed;
    private long features = -1L;   // what the fake driver accepts of the offer

    @AfterEach
    void close() { if (h != null) h.close(); }

    private void start(int sizeBytes, String... options) throws Exception {
        disk = dir.resolve("disk.img");
        byte[] init = new byte[sizeBytes];
        for (int i = 0; i < init.length; i++) init[i] = (byte) (i / 512);
        Files.write(disk, init);
        String[] kv = new String[options.length + 4];
        kv[0] = "pci.0.4.0.device";
        kv[1] = "virtio-blk";
        kv[2] = "pci.0.4.0.path";
        kv[3] = disk.toString();
        System.arraycopy(options, 0, kv, 4, options.length);
        h = new Harness(Harness.config(kv), VirtioBlk::create);
        h.negotiate(features);
        h.enableMsix(2);
        h.common(0x10, 2, 0);
        d = FakeDriver.standard(h.mem, 64);
        h.queue(0, d, 1);
        h.driverOk();
    }

    private static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array();
    }

    /** Sends one request and returns {status, used length}; data buffers as given. */
    private int[] request(byte[][] readable, int... writable) {
        d.chain(readable, writable);
        h.notify(0);
        Harness.awaitUsed(d, ++nextUsed);
        int[] e = d.usedElem(nextUsed - 1);
        return new int[] {lastStatus(), e[1]};
    }

    private int lastStatus() {
        // the status byte is the last byte of the last writable buffer the driver allocated
        return h.mem.read(d.dataTop - 16, 1)[0] & 0xFF;
    }

    @Test
    void writeReadFlushRoundTrip() throws Exception {
        start(1 << 20);
        byte[] data = new byte[1024];
        Arrays.fill(data, (byte) 0x5A);
        int[] r = request(new byte[][] {header(T_OUT, 4), data}, 1);
        assertEquals(S_OK, r[0]);
        assertEquals(1, r[1]);
        byte[] file = Files.readAllBytes(disk);
        assertEquals(0x5A, file[4 * 512]);
        assertEquals(0x5A, file[4 * 512 + 1023]);
        assertEquals(6, file[6 * 512], "the sector after the write is untouched");
        r = request(new byte[][] {header(T_IN, 3)}, 1024, 1);
        assertEquals(S_OK, r[0]);
        assertEquals(1025, r[1]);
        long buf = d.dataTop - 16 - 1024;
        byte[] back = h.mem.read(buf, 1024);
        assertEquals(3, back[0], "sector 3 keeps its pattern");
        assertEquals(0x5A, back[512]);
        assertEquals(S_OK, request(new byte[][] {header(T_FLUSH, 0)}, 1)[0]);
    }

    @Test
    void configSpaceDescribesTheDisk() throws Exception {
        start(1 << 20, "pci.0.4.0.sectorsize", "4096/16384");
        assertEquals((1 << 20) / 512, h.deviceConfig(0, 8));
        assertEquals(RING_SIZE - 2, h.deviceConfig(12, 4));
        assertEquals(4096, h.deviceConfig(20, 4));
        assertEquals(2, h.deviceConfig(24, 1), "physical = 4 logical blocks");
        h.common(0x00, 4, 0);
        long f = h.common(0x04, 4);
        assertNotEquals(0, f & 1L << F_FLUSH);
        assertNotEquals(0, f & 1L << F_BLK_SIZE);
        assertNotEquals(0, f & 1L << F_DISCARD);
        assertEquals(0, f & 1L << F_RO);
    }

    @Test
    void getIdIsBhyvesDefaultOrSer() throws Exception {
        start(1 << 16);
        int[] r = request(new byte[][] {header(T_GET_ID, 0)}, 20, 1);
        assertEquals(S_OK, r[0]);
        assertEquals(21, r[1]);
        byte[] md5 = MessageDigest.getInstance("MD5").digest(disk.toString().getBytes(StandardCharsets.UTF_8));
        String want = String.format("BHYVE-%02X%02X-%02X%02X-%02X%02X", md5[0], md5[1], md5[2], md5[3], md5[4], md5[5]);
        assertEquals(want, new String(h.mem.read(d.dataTop - 16 - 32, 20), StandardCharsets.US_ASCII).trim().replace("\0", ""));
        assertArrayEquals(Arrays.copyOf("0123456789abcdefghij".getBytes(), 20), VirtioBlk.identity("/x", "0123456789abcdefghijKLMN"));
    }

    @Test
    void readOnlyRefusesWritesWithIoError() throws Exception {
        start(1 << 16, "pci.0.4.0.ro", "true");
        h.common(0x00, 4, 0);
        assertNotEquals(0, h.common(0x04, 4) & 1L << F_RO);
        byte[] before = Files.readAllBytes(disk);
        assertEquals(S_IOERR, request(new byte[][] {header(T_OUT, 0), new byte[512]}, 1)[0]);
        assertEquals(S_IOERR, request(new byte[][] {header(T_WRITE_ZEROES, 0), range(0, 1, 0)}, 1)[0]);
        assertArrayEquals(before, Files.readAllBytes(disk));
        assertEquals(S_OK, request(new byte[][] {header(T_IN, 0)}, 512, 1)[0]);
    }

    @Test
    void outOfRangeAndUnalignedRequestsFail() throws Exception {
        start(1 << 16);
        assertEquals(S_IOERR, request(new byte[][] {header(T_IN, 128)}, 512, 1)[0], "sector 128 is past 64 KiB");
        assertEquals(S_IOERR, request(new byte[][] {header(T_IN, 127)}, 1024, 1)[0], "runs past the end");
        assertEquals(S_IOERR, request(new byte[][] {header(T_OUT, 0), new byte[100]}, 1)[0], "not whole sectors");
        assertEquals(S_IOERR, request(new byte[][] {header(T_IN, -1L)}, 512, 1)[0], "sector wraps");
        assertEquals(S_UNSUPP, request(new byte[][] {header(99, 0)}, 1)[0]);
        assertEquals(0, h.dev.failures(), "bad requests are errors for the guest, not for the device");
    }

    private static byte[] range(long sector, int count, int flags) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(sector).putInt(count).putInt(flags).array();
    }

    @Test
    void discardAndWriteZeroesLeaveZeros() throws Exception {
        start(1 << 20);
        assertEquals(S_OK, request(new byte[][] {header(T_DISCARD, 0), range(8, 16, 0)}, 1)[0]);
        assertEquals(S_OK, request(new byte[][] {header(T_WRITE_ZEROES, 0), range(100, 2, 0)}, 1)[0]);
        assertEquals(S_OK, request(new byte[][] {header(T_WRITE_ZEROES, 0), range(200, 8, 1)}, 1)[0]);
        byte[] file = Files.readAllBytes(disk);
        assertEquals(1 << 20, file.length, "discard keeps the size");
        for (int s : new int[] {8, 23, 100, 101, 200, 207}) assertEquals(0, file[s * 512 + 7], "sector " + s);
        assertEquals(7, file[7 * 512]);
        assertEquals(24, file[24 * 512]);
        assertEquals((byte) 102, file[102 * 512]);
        assertEquals(S_IOERR, request(new byte[][] {header(T_DISCARD, 0), range(2040, 16, 0)}, 1)[0], "past the end");
    }

    @Test
    void nodeleteTurnsDiscardOff() throws Exception {
        start(1 << 16, "pci.0.4.0.nodelete", "true");
        h.common(0x00, 4, 0);
        assertEquals(0, h.common(0x04, 4) & 1L << F_DISCARD);
        assertEquals(S_UNSUPP, request(new byte[][] {header(T_DISCARD, 0), range(0, 1, 0)}, 1)[0]);
        assertEquals(0, Files.readAllBytes(disk)[0], "sector 0's pattern is 0 anyway");
        assertEquals(1, Files.readAllBytes(disk)[512]);
    }

    @Test
    void manyRequestsInFlight() throws Exception {
        start(1 << 20);
        for (int i = 0; i < 32; i++) {
            byte[] data = new byte[4096];
            Arrays.fill(data, (byte) (0x80 + i));
            d.indirectChain(new byte[][] {header(T_OUT, 8L * i), data}, 1);   // 32 requests through indirect tables
        }
        h.notify(0);
        Harness.awaitUsed(d, 32);
        byte[] file = Files.readAllBytes(disk);
        for (int i = 0; i < 32; i++) assertEquals((byte) (0x80 + i), file[4096 * i + 100], "block " + i);
    }

    /**
     * Reads queued in one notification: the device thread serves those in the page cache itself
     * (readCached), the rest go to the I/O threads or the device thread's last-request path;
     * every one gets its own sectors, and the one past the end alone fails.
     */
    @Test
    void readsQueuedTogetherEachGetTheirOwnSectors() throws Exception {
        start(1 << 20);   // 2048 sectors; every byte of sector s reads (byte) s
        int n = 32, past = 10;
        long[] data = new long[n];
        int[] heads = new int[n];
        for (int i = 0; i < n; i++) {
            long sector = i == past ? 2047 : 7L * i + 1;   // 1024 bytes from sector 2047 run past the end
            data[i] = d.dataTop + 64 + 16;                 // after the indirect table and the header
            heads[i] = d.indirectChain(new byte[][] {header(T_IN, sector)}, 1024, 1);
        }
        h.notify(0);
        Harness.awaitUsed(d, n);
        for (int u = 0; u < n; u++) {
            int[] e = d.usedElem(u);
            int i = java.util.stream.IntStream.range(0, n).filter(k -> heads[k] == e[0]).findFirst().orElseThrow();
            int status = h.mem.read(data[i] + 1024, 1)[0] & 0xFF;
            if (i == past) {
                assertEquals(S_IOERR, status, "the read past the end");
                assertEquals(1, e[1]);
                continue;
            }
            assertEquals(S_OK, status, "read " + i);
            assertEquals(1025, e[1], "read " + i);
            byte[] got = h.mem.read(data[i], 1024);
            assertEquals((byte) (7 * i + 1), got[0], "read " + i + ", first sector");
            assertEquals((byte) (7 * i + 2), got[1023], "read " + i + ", second sector");
        }
    }

    /**
     * Contiguous requests published together are merged into one vectored call; each still gets
     * its own status and used length. The last write runs past the end of the disk, so its batch
     * cannot be one call: every request is then answered on its own (the others succeed). Reads
     * go through O_DIRECT (nocache), so none is served from the page cache and they merge too.
     */
    @Test
    void contiguousRequestsQueuedTogetherEachGetTheirOwnAnswer() throws Exception {
        for (String nocache : new String[] {"false", "true"}) {
            if (h != null) h.close();
            nextUsed = 0;
            start(1 << 20, "pci.0.4.0.nocache", nocache);   // 2048 sectors
            int n = 12;
            long first = 2048 - 2L * (n - 1);               // request n-1 starts at 2046 and needs 2048-2049
            int[] heads = new int[n];
            long[] statusAt = new long[n];
            for (int i = 0; i < n; i++) {
                byte[] data = new byte[i == n - 1 ? 2048 : 1024];
                Arrays.fill(data, (byte) (0xA0 + i));
                statusAt[i] = d.dataTop + 64 + 16 + data.length;   // after the indirect table, header and data
                heads[i] = d.indirectChain(new byte[][] {header(T_OUT, first + 2L * i), data}, 1);
            }
            h.notify(0);
            Harness.awaitUsed(d, n);
            nextUsed = n;
            for (int u = 0; u < n; u++) {
                int[] e = d.usedElem(u);
                int i = java.util.stream.IntStream.range(0, n).filter(k -> heads[k] == e[0]).findFirst().orElseThrow();
                assertEquals(1, e[1], "write " + i + " used length");
                assertEquals(i == n - 1 ? S_IOERR : S_OK, h.mem.read(statusAt[i], 1)[0] & 0xFF, "write " + i + " status");
            }
            byte[] file = Files.readAllBytes(disk);
            for (int i = 0; i < n - 1; i++) {
                assertEquals((byte) (0xA0 + i), file[(int) (first + 2 * i) * 512], "write " + i + " landed, nocache=" + nocache);
                assertEquals((byte) (0xA0 + i), file[(int) (first + 2 * i) * 512 + 1023], "write " + i + " landed whole");
            }
            assertEquals(1 << 20, file.length, "the write past the end did not grow the disk");
            // contiguous reads back, together: each gets its own sectors
            long[] data = new long[n - 1];
            int[] rheads = new int[n - 1];
            for (int i = 0; i < n - 1; i++) {
                data[i] = d.dataTop + 64 + 16;
                rheads[i] = d.indirectChain(new byte[][] {header(T_IN, first + 2L * i)}, 1024, 1);
            }
            h.notify(0);
            Harness.awaitUsed(d, n + n - 1);
            for (int u = n; u < n + n - 1; u++) {
                int[] e = d.usedElem(u);
                int i = java.util.stream.IntStream.range(0, n - 1).filter(k -> rheads[k] == e[0]).findFirst().orElseThrow();
                assertEquals(S_OK, h.mem.read(data[i] + 1024, 1)[0] & 0xFF, "read " + i);
                assertEquals(1025, e[1], "read " + i);
                byte[] got = h.mem.read(data[i], 1024);
                assertEquals((byte) (0xA0 + i), got[0], "read " + i + " first byte, nocache=" + nocache);
                assertEquals((byte) (0xA0 + i), got[1023], "read " + i + " last byte");
            }
        }
    }

    /**
     * After serving a request the device thread keeps polling the queue: a request the driver
     * publishes then is served without a notification. The window is stretched to 3 s here so
     * the test thread's own delay cannot outlast it; a device that did not poll never answers.
     */
    @Test
    void aRequestPublishedWhileTheDevicePollsNeedsNoNotification() throws Exception {
        System.setProperty("jhyve.virtio.poll.ns", "3000000000");
        try {
            start(1 << 20);
        } finally {
            System.clearProperty("jhyve.virtio.poll.ns");
        }
        assertEquals(S_OK, request(new byte[][] {header(T_IN, 1)}, 512, 1)[0]);
        d.chain(new byte[][] {header(T_IN, 2)}, 512, 1);   // published, not notified
        Harness.awaitUsed(d, ++nextUsed);
        assertEquals(S_OK, lastStatus());
        assertEquals(2, h.mem.read(d.dataTop - 16 - 512, 1)[0], "sector 2's pattern");
        // notifications are off while the device polls: avail_event (EVENT_IDX is negotiated
        // here) stays behind, so a driver adding the next request (avail 2 -> 3) need not notify
        int ev = d.availEvent();
        assertFalse(((3 - ev - 1) & 0xFFFF) < 1, "avail_event " + ev + " asks for a notification while the device polls");
    }

    /**
     * A driver that notifies only when the device asks (VRING_USED_F_NO_NOTIFY clear, or its
     * avail_event crossed with EVENT_IDX), as Linux's does, one request at a time, fast enough
     * to land in the device's polling window and at its edges: every request must be answered. A
     * device that turned notifications off and then missed a buffer added meanwhile (it came
     * without a notification) leaves this driver waiting; polling made that window real.
     */
    @Test
    void aDriverThatNotifiesOnlyWhenAskedIsAlwaysServed() throws Exception {
        for (boolean eventIdx : new boolean[] {false, true}) {
            if (h != null) h.close();
            features = eventIdx ? -1L : ~(1L << VirtioPci.F_EVENT_IDX);
            start(1 << 20);
            long hdr = d.buffer(header(T_IN, 1)), data = d.buffer(512, (byte) 0), status = d.buffer(1, (byte) 0xEE);
            int n = 50_000, notified = 0;
            for (int i = 0; i < n; i++) {
                d.desc(0, hdr, 16, Virtqueue.DESC_F_NEXT, 1);
                d.desc(1, data, 512, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 2);
                d.desc(2, status, 1, Virtqueue.DESC_F_WRITE, 0);
                int old = d.availIdx;
                d.publish(0);
                java.lang.invoke.VarHandle.fullFence();   // the avail index store before reading the device's wish
                boolean notify = eventIdx ? ((d.availIdx - d.availEvent() - 1) & 0xFFFF) < ((d.availIdx - old) & 0xFFFF)
                        : (d.usedFlags() & Virtqueue.USED_F_NO_NOTIFY) == 0;
                if (notify) {
                    h.notify(0);
                    notified++;
                }
                long end = System.nanoTime() + 5_000_000_000L;
                while (d.usedIdx() != ((i + 1) & 0xFFFF)) {
                    if (System.nanoTime() > end) {
                        fail("request " + i + " (eventIdx=" + eventIdx + ") not served: used index " + d.usedIdx()
                                + ", notified=" + notify);
                    }
                    Thread.onSpinWait();
                }
                assertEquals(S_OK, h.mem.read(status, 1)[0]);
            }
            assertTrue(notified < n, "the device turned notifications off at some point (eventIdx=" + eventIdx + ")");
        }
    }

    @Test
    void growingTheFileRaisesConfigChange() throws Exception {
        start(1 << 16);
        int before = h.msiCount();
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(1 << 17);
        }
        long end = System.nanoTime() + 4_000_000_000L;
        while (h.deviceConfig(0, 8) != (1 << 17) / 512 && System.nanoTime() < end) Thread.sleep(20);
        assertEquals((1 << 17) / 512, h.deviceConfig(0, 8));
        while (h.msiCount() == before && System.nanoTime() < end) Thread.sleep(5);
        assertEquals(0x40, h.msis.getLast()[1], "config vector 0 fired");
    }

    @Test
    void requestWithoutStatusByteIsAProtocolError() throws Exception {
        start(1 << 16);
        d.chain(new byte[][] {header(T_IN, 0)});
        h.notify(0);
        h.awaitNeedsReset();
        assertEquals(0, d.usedIdx());
    }

    @Test
    void sectorSizeAndPathAreChecked() {
        ConfigTree t = Harness.config("n.path", "/x", "n.sectorsize", "1000");
        assertThrows(ConfigException.class, () -> BlockOptions.fromConfig(t, "n"));
        ConfigTree t2 = Harness.config("n.path", "/x", "n.sectorsize", "4096/512");
        assertThrows(ConfigException.class, () -> BlockOptions.fromConfig(t2, "n"));
        ConfigTree t3 = Harness.config("n.sectorsize", "512");
        assertThrows(ConfigException.class, () -> BlockOptions.fromConfig(t3, "n"));
        BlockOptions o = BlockOptions.fromConfig(Harness.config("n.path", "/x", "n.sectorsize", "512/4096", "n.direct", "on",
                "n.bootindex", "2"), "n");
        assertEquals(512, o.logicalSector());
        assertEquals(4096, o.physicalSector());
        assertTrue(o.sync());
        assertEquals(2, o.bootIndex());
        ConfigTree missing = Harness.config("pci.0.4.0.device", "virtio-blk", "pci.0.4.0.path", dir.resolve("none.img").toString());
        ConfigException e = assertThrows(ConfigException.class, () -> new Harness(missing, VirtioBlk::create));
        assertTrue(e.getMessage().contains("none.img"), e.getMessage());
    }
}
