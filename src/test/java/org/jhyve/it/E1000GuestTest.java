package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.jhyve.cli.Jhyve;
import org.jhyve.net.NetNamespace;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The e1000 in a running guest, its tap inside a network namespace the test creates (jhyve runs
 * there through {@code ip netns exec}, so the tap never appears on the host).
 */
@Tag("kvm")
class E1000GuestTest {
    static final String MAC = "58:9c:fc:00:00:01";
    static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    /** jhyve's command inside ns, as JhyveProcess runs it. */
    static List<String> jhyve(NetNamespace ns, List<String> args) {
        List<String> cmd = new ArrayList<>(ns.prefix());
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1",
                "-cp", JhyveProcess.mainClasses().toString(), Jhyve.class.getName()));
        cmd.addAll(args);
        return cmd;
    }

    static List<String> guest(String cmdline, String... devices) {
        List<String> a = new ArrayList<>(List.of("-s", "0,hostbridge", "-s", "1,lpc", "-l", "com1,stdio"));
        a.addAll(List.of(devices));
        a.addAll(List.of("-o", "jhyve.kernel=" + TestGuest.kernel(), "-o", "jhyve.cmdline=" + cmdline,
                // a fresh VM name per run: a run the test kills leaves its home behind (as a crashed jhyve would)
                "e1000-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet()));
        return a;
    }

    record Run(int rc, String out, String err) {}

    static Run runToEnd(List<String> cmd) throws Exception {
        Path out = Files.createTempFile("jhyve-net-it", ".out"), err = Files.createTempFile("jhyve-net-it", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("jhyve did not finish in 60 s\n" + Files.readString(out) + Files.readString(err));
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void theGuestSeesBhyvesE1000OnATapJhyveCreated() throws Exception {
        KvmAvailable.require();
        NetNamespace.require();
        try (NetNamespace ns = NetNamespace.create("e1k")) {
            Run r = runToEnd(jhyve(ns, guest("pci", "-s", "3,e1000,tapk0,mac=" + MAC)));
            String all = r.out + "--- stderr:\n" + r.err;
            assertEquals(1, r.rc, all);
            List<String> lines = r.out.lines().toList();
            assertTrue(lines.contains("pci: 00:03.0 id=8086:100f class=020000 rev=0x00"), all);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("pci: 00:03.0 header=0x00") && l.contains("subsystem=8086:1008")
                    && l.contains("int_pin=1")), all);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("pci: 00:03.0 bar0 mem32 ") && l.endsWith(" size=0x20000")), all);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("pci: 00:03.0 bar1 mem32 ") && l.endsWith(" size=0x10000")), all);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("pci: 00:03.0 bar2 io ") && l.endsWith(" size=0x8")), all);
            assertFalse(lines.stream().anyMatch(l -> l.startsWith("FAIL")), all);
            assertNotEquals(0, ns.execAllowingFailure("ip", "link", "show", "tapk0").rc(), "the tap jhyve created left with it");
        }
    }

    @Test
    void badMacAndBusyTapEndWithStatusFour() throws Exception {
        KvmAvailable.require();
        NetNamespace.require();
        try (NetNamespace ns = NetNamespace.create("e1k")) {
            Run mac = runToEnd(jhyve(ns, guest("pci", "-s", "3,e1000,tapk1,mac=01:00:5e:00:00:01")));
            assertEquals(4, mac.rc, mac.out + mac.err);
            assertTrue(mac.err.contains("Invalid MAC address 01:00:5e:00:00:01"), mac.err);
            Run both = runToEnd(jhyve(ns, guest("pci", "-s", "3,e1000,tapk1", "-s", "4,e1000,tapk1")));
            assertEquals(4, both.rc, both.out + both.err);
            assertTrue(both.err.contains("tapk1 is busy"), both.err);
        }
    }

    /**
     * The guest kit's e1000 driver mode (guests2: "e1000 ip=ADDR", answers ARP and ICMP echo)
     * behind a tap on a bridge that holds the host's address: the host pings the guest. Runs once
     * guests/README.md documents that mode; until then it is skipped with a message.
     */
    @Test
    void theHostPingsTheGuestThroughTapAndBridge() throws Exception {
        KvmAvailable.require();
        NetNamespace.require();
        NetNamespace.requireTool("busybox");
        String readme = Files.readString(Path.of("guests", "README.md"));
        boolean hasMode = readme.contains("| `e1000`");
        if (!hasMode) System.err.println("*** SKIPPED: the guest kit has no e1000 mode yet (guests/README.md) ***");
        Assumptions.assumeTrue(hasMode, "SKIPPED: the guest kit has no e1000 mode yet");
        try (NetNamespace ns = NetNamespace.create("e1k")) {
            ns.exec("ip", "link", "add", "br0", "type", "bridge");
            ns.exec("ip", "addr", "add", "10.0.0.1/24", "dev", "br0");
            ns.exec("ip", "link", "set", "br0", "up");
            ns.exec("ip", "tuntap", "add", "tapk2", "mode", "tap");
            ns.exec("ip", "link", "set", "tapk2", "master", "br0");
            Process p = new ProcessBuilder(jhyve(ns, guest("e1000 ip=10.0.0.2", "-s", "3,e1000,tapk2,mac=" + MAC)))
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            StringBuilder console = new StringBuilder();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (var in = p.getInputStream()) {
                    console.append(new String(in.readAllBytes()));
                } catch (java.io.IOException ignored) {
                    // the process ended
                }
            });
            try {
                boolean answered = false;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                while (!answered && System.nanoTime() < end && p.isAlive()) {
                    answered = ns.execAllowingFailure("busybox", "ping", "-c", "1", "-W", "1", "10.0.0.2").rc() == 0;
                }
                assertTrue(answered, "the guest did not answer ping\n" + console);
                String neigh = ns.exec("ip", "neigh", "show", "10.0.0.2").out();
                assertTrue(neigh.contains(MAC), "ARP resolved to the e1000's MAC: " + neigh);
            } finally {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                reader.join(2000);
            }
            assertFalse(console.toString().contains("FAIL"), console.toString());
        }
    }
}
