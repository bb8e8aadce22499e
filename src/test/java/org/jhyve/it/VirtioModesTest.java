package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.jhyve.it.TestGuest.assertExit;
import static org.jhyve.it.TestGuest.assertLine;
import static org.jhyve.it.TestGuest.linesStarting;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test guest's virtio drivers against jhyve's devices: virtio-blk, virtio-rng and
 * virtio-console through the modern (1.x capabilities) and the legacy (0.9.5 I/O BAR) transport,
 * with MSI-X and with -W (MSI). The guest checks its side (see guests/README.md); these tests
 * check the lines it prints and the host side (file contents, socket bytes).
 */
@Tag("kvm")
class VirtioModesTest {
    private static final int SECTOR = 512;

    @TempDir Path dir;

    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    private static List<String> base(String... more) {
        List<String> a = new ArrayList<>(TestGuest.STANDARD_DEVICES);
        a.addAll(List.of(more));
        return a;
    }

    /** args for the test guest with cmdline (mode word and options), jhyve options, standard devices plus more. */
    private static List<String> args(String cmdline, List<String> options, String... devices) {
        List<String> a = new ArrayList<>(options);
        a.addAll(base(devices));
        a.addAll(List.of("-o", "jhyve.kernel=" + TestGuest.kernel(), "-o", "jhyve.cmdline=" + cmdline, TestGuest.VM_NAME));
        return a;
    }

    /** Boots the guest to its end; checks the start lines, no FAIL line and a silent stderr. */
    private static JhyveProcess.Result guest(String cmdline, List<String> options, String... devices) {
        JhyveProcess.Result r = JhyveProcess.run(args(cmdline, options, devices));
        assertStarted(r, cmdline);
        assertEquals("", r.stderr(), "nothing on stderr\n" + r.describe());
        return r;
    }

    private static void assertStarted(JhyveProcess.Result r, String cmdline) {
        assertTrue(!r.lines().isEmpty() && r.lines().getFirst().equals("jhyve-testguest: start"),
                "the guest did not start\n" + r.describe());
        assertLine(r, "cmdline: " + cmdline);
        assertLine(r, "mode: " + cmdline.split(" ")[0]);
        TestGuest.assertNoFailure(r);
    }

    private Path disk(int bytes, byte fill) throws IOException {
        Path img = dir.resolve("disk.img");
        byte[] b = new byte[bytes];
        Arrays.fill(b, fill);
        Files.write(img, b);
        return img;
    }

    private static void assertBlkFunctional(JhyveProcess.Result r, String transport, String id) {
        assertExit(1, r);
        assertTrue(linesStarting(r, "virtio: 00:03.0 id=1af4:1001 type=blk transport=" + transport).size() == 1, r.describe());
        assertLine(r, "virtio-blk: get-id status=ok id=" + id);
        assertLine(r, "virtio-blk: write sector=0 count=16 status=ok");
        assertLine(r, "virtio-blk: flush status=ok");
        assertLine(r, "virtio-blk: read sector=0 count=16 verify=ok");
        assertLine(r, "virtio-blk: write-zeroes sector=4 count=4 status=ok verify=ok");
        assertLine(r, "virtio-blk: discard sector=8 count=8 status=ok");
        assertLine(r, "virtio-blk: read beyond end sector=2048 status=ioerr");
        assertLine(r, "virtio-blk: ok");
    }

    /** The guest's 16-sector test area: 0-3 written, 4-7 zeroed, 8-15 discarded (reads zeros), 16+ untouched. */
    private static void assertBlkFile(Path img, JhyveProcess.Result r) throws IOException {
        byte[] f = Files.readAllBytes(img);
        assertEquals(1 << 20, f.length, "the disk keeps its size after discard\n" + r.describe());
        assertFalse(allEqual(f, 0, 4 * SECTOR, (byte) 0x5A), "sectors 0-3 hold the guest's data\n" + r.describe());
        assertTrue(allEqual(f, 4 * SECTOR, 16 * SECTOR, (byte) 0), "sectors 4-15 are zero\n" + r.describe());
        assertTrue(allEqual(f, 16 * SECTOR, f.length, (byte) 0x5A), "the rest is untouched\n" + r.describe());
    }

    private static boolean allEqual(byte[] b, int from, int to, byte v) {
        for (int i = from; i < to; i++) if (b[i] != v) return false;
        return true;
    }

    /** bhyve's default GET_ID: "BHYVE-" and the first six bytes of MD5(path) as hex pairs. */
    private static String bhyveSerial(Path p) throws Exception {
        byte[] d = MessageDigest.getInstance("MD5").digest(p.toString().getBytes(StandardCharsets.UTF_8));
        return String.format("BHYVE-%02X%02X-%02X%02X-%02X%02X", d[0], d[1], d[2], d[3], d[4], d[5]);
    }

    @Test
    void blkModernWithSerial() throws Exception {
        Path img = disk(1 << 20, (byte) 0x5A);
        JhyveProcess.Result r = guest("virtio-blk transport=modern", List.of(), "-s", "3,virtio-blk," + img + ",ser=JHYVE-SER-01");
        assertBlkFunctional(r, "modern", "JHYVE-SER-01");
        assertTrue(linesStarting(r, "virtio-blk: capacity=2048 sectors (1 MiB) queue_size=64 indirect=1 ").size() == 1,
                r.describe());
        assertBlkFile(img, r);
    }

    @Test
    void blkLegacyWithMsiAndBhyveSerial() throws Exception {
        Path img = disk(1 << 20, (byte) 0x5A);
        JhyveProcess.Result r = guest("virtio-blk transport=legacy", List.of("-W"), "-s", "3,virtio-blk," + img);
        assertBlkFunctional(r, "legacy", bhyveSerial(img));
        assertBlkFile(img, r);
    }

    @Test
    void readOnlyDiskAnswersWritesWithIoerr() throws Exception {
        for (String transport : List.of("modern", "legacy")) {
            Path img = disk(1 << 20, (byte) 0x33);
            JhyveProcess.Result r = guest("virtio-blk transport=" + transport, List.of(), "-s", "3,virtio-blk," + img + ",ro");
            assertExit(1, r);
            assertTrue(linesStarting(r, "virtio-blk: capacity=2048 ").getFirst().contains(" ro=1 "), r.describe());
            assertLine(r, "virtio-blk: write on read-only device sector=0 status=ioerr");
            assertLine(r, "virtio-blk: read-only sectors unchanged");
            assertLine(r, "virtio-blk: ok");
            byte[] want = new byte[1 << 20];
            Arrays.fill(want, (byte) 0x33);
            assertArrayEquals(want, Files.readAllBytes(img), "the read-only file is unchanged\n" + r.describe());
        }
    }

    @Test
    void rngBothTransports() {
        for (String[] variant : List.of(new String[] {"modern"}, new String[] {"legacy", "-W"})) {
            List<String> options = Arrays.asList(variant).subList(1, variant.length);
            JhyveProcess.Result r = guest("virtio-rng transport=" + variant[0], options, "-s", "4,virtio-rnd");
            assertExit(1, r);
            assertTrue(linesStarting(r, "virtio: 00:04.0 id=1af4:1005 type=rng transport=" + variant[0]).size() == 1,
                    r.describe());
            String data = linesStarting(r, "virtio-rng: bytes=64 requests=").getFirst().replaceAll(".* data=", "");
            assertTrue(data.matches("[0-9a-f]{128}"), r.describe());
            assertLine(r, "virtio-rng: ok");
        }
    }

    /**
     * Completions interrupt the guest: MSI-X (per-queue vector) and, with -W, MSI, on both
     * transports. The guest programs vector 0x51 for its APIC, keeps interrupts disabled, checks
     * the vector is not pending before and is pending in the local APIC's IRR after its requests
     * (the message went through KVM_IRQFD and the GSI routing table).
     */
    @Test
    void completionsInterruptThroughMsixAndMsi() throws Exception {
        Path img = disk(1 << 20, (byte) 0);
        record Case(String cmdline, List<String> options, String device, String name) { }
        for (Case c : List.of(
                new Case("virtio-blk irq=msix transport=modern", List.of(), "3,virtio-blk," + img, "virtio-blk"),
                new Case("virtio-blk irq=msix transport=legacy", List.of(), "3,virtio-blk," + img, "virtio-blk"),
                new Case("virtio-blk irq=msi transport=modern", List.of("-W"), "3,virtio-blk," + img, "virtio-blk"),
                new Case("virtio-rng irq=msi transport=legacy", List.of("-W"), "4,virtio-rnd", "virtio-rng"),
                new Case("virtio-rng irq=msix transport=modern", List.of(), "4,virtio-rnd", "virtio-rng"))) {
            JhyveProcess.Result r = guest(c.cmdline(), c.options(), "-s", c.device());
            assertExit(1, r);
            String kind = c.cmdline().contains("msix") ? "msix" : "msi";
            assertLine(r, c.name() + ": irq=" + kind + " vector=0x51 apic=0");
            assertLine(r, c.name() + ": irq=" + kind + " vector=0x51 pending=1");
            assertLine(r, c.name() + ": ok");
        }
    }

    @Test
    void consoleEchoesOnBothPortsModern() throws Exception {
        consoleEcho("modern", List.of());
    }

    @Test
    void consoleEchoesOnBothPortsLegacyWithMsi() throws Exception {
        consoleEcho("legacy", List.of("-W"));
    }

    private void consoleEcho(String transport, List<String> options) throws Exception {
        Path p0 = dir.resolve("p0.sock"), p1 = dir.resolve("p1.sock");
        try (JhyveProcess p = JhyveProcess.start(args("virtio-console transport=" + transport, options,
                "-s", "5,virtio-console,org.jhyve.first=" + p0 + ",org.jhyve.second=" + p1))) {
            p.closeStdin();
            String[] sent = {"hello port zero", "second port line"};
            Path[] socks = {p0, p1};
            for (int port = 0; port < 2; port++) {
                p.awaitStdout("virtio-console: port=" + port + " ready");
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(socks[port]));
                    ch.write(ByteBuffer.wrap((sent[port] + "\n").getBytes(StandardCharsets.US_ASCII)));
                    p.awaitStdout("virtio-console: port=" + port + " echoed bytes=" + (sent[port].length() + 1));
                    assertEquals(sent[port] + "\n", readLine(ch), "echo on port " + port);
                }
            }
            JhyveProcess.Result r = p.await();
            assertStarted(r, "virtio-console transport=" + transport);
            assertExit(1, r);
            assertTrue(linesStarting(r, "virtio: 00:05.0 id=1af4:1003 type=console transport=" + transport).size() == 1,
                    r.describe());
            assertLine(r, "virtio-console: multiport=1 max_nr_ports=16");
            assertLine(r, "virtio-console: port=0 name=org.jhyve.first");
            assertLine(r, "virtio-console: port=1 name=org.jhyve.second");
            assertLine(r, "virtio-console: port=0 line=" + sent[0]);
            assertLine(r, "virtio-console: port=1 line=" + sent[1]);
            assertLine(r, "virtio-console: ok ports=2");
            assertFalse(Files.exists(p0) || Files.exists(p1), "sockets are removed at exit");
        }
    }

    /** Reads up to and including the first LF (the echo comes back in one or more pieces). */
    private static String readLine(SocketChannel ch) throws IOException {
        StringBuilder s = new StringBuilder();
        ByteBuffer b = ByteBuffer.allocate(256);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.indexOf("\n") < 0 && System.nanoTime() < deadline) {
            b.clear();
            if (ch.read(b) < 0) break;
            s.append(new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII));
        }
        return s.toString();
    }
}
