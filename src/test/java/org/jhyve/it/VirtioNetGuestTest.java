package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.jhyve.net.NetNamespace;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.jhyve.it.E1000GuestTest.guest;
import static org.jhyve.it.E1000GuestTest.jhyve;
import static org.junit.jupiter.api.Assertions.*;

/**
 * virtio-net in a running guest (the guest kit's `virtio-net` mode), its tap on a bridge inside a
 * network namespace the test creates; the bridge holds the "host" address 10.0.0.1.
 */
@Tag("kvm")
class VirtioNetGuestTest {
    static final String MAC = "58:9c:fc:00:00:02";

    @Test
    void theHostPingsTheGuestThroughTapAndBridge() throws Exception {
        KvmAvailable.require();
        NetNamespace.require();
        NetNamespace.requireTool("busybox");
        try (NetNamespace ns = NetNamespace.create("vnet")) {
            ns.exec("ip", "link", "add", "br0", "type", "bridge");
            ns.exec("ip", "addr", "add", "10.0.0.1/24", "dev", "br0");
            ns.exec("ip", "link", "set", "br0", "up");
            ns.exec("ip", "tuntap", "add", "tapv0", "mode", "tap", "vnet_hdr");
            ns.exec("ip", "link", "set", "tapv0", "master", "br0");
            Process p = new ProcessBuilder(jhyve(ns, guest("virtio-net ip=10.0.0.2 count=4 ms=40000",
                    "-s", "3,virtio-net,tapv0,mac=" + MAC)))
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
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
                // while the guest still runs (it stops after 4 answers; its port's neighbours go with it)
                String neigh = ns.exec("ip", "neigh", "show", "10.0.0.2").out();
                assertTrue(neigh.contains(MAC), "ARP resolved to the virtio-net's MAC: " + neigh);
                // full-size frames: 1400 bytes of ICMP data
                ns.exec("busybox", "ping", "-c", "3", "-s", "1400", "-W", "2", "10.0.0.2");
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the guest powers off after its 4 answers\n" + console);
                reader.join(5000);
                assertEquals(1, p.exitValue(), console.toString());
            } finally {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                reader.join(2000);
            }
            String out = console.toString();
            List<String> lines = out.lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.matches("virtio-net: 00:03\\.0 id=1af4:1000 transport=modern mac="
                    + MAC + " link=up hdr=12 rx_ring=256 tx_ring=256")), out);
            assertTrue(lines.stream().anyMatch(l -> l.matches("virtio-net: icmp echo from 10\\.0\\.0\\.1 id=\\d+ seq=\\d+ len=1408 answered")), out);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("virtio-net: ok echo=4 arp=")), out);
            assertFalse(out.contains("FAIL"), out);
            assertEquals(0, ns.execAllowingFailure("ip", "link", "show", "tapv0").rc(),
                    "a tap jhyve did not create stays after it");
        }
    }
}
