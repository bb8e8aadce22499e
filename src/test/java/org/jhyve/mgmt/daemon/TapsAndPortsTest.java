package org.jhyve.mgmt.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Taps on bridges and VNC port bookkeeping, with a stand-in for jhyve (a script that records its
 * arguments and waits for SIGTERM) and ip(8) pointed into a network namespace this test creates,
 * so the host's own interfaces are never touched. Needs root and iproute2.
 */
class TapsAndPortsTest {
    private static final String NS = "jhyvetest" + ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    @BeforeEach
    void namespace() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        assumeTrue(HostCommand.run(List.of("ip", "netns", "add", NS)).status() == 0, "cannot create a network namespace");
        var r = HostCommand.run(List.of("ip", "-n", NS, "link", "add", "br0", "type", "bridge"));
        assertEquals(0, r.status(), r.output());
    }

    @AfterEach
    void removeNamespace() {
        HostCommand.run(List.of("ip", "netns", "del", NS));
    }

    private static String ipIn(String... args) {
        var cmd = new java.util.ArrayList<>(List.of("ip", "-n", NS));
        cmd.addAll(List.of(args));
        return HostCommand.run(cmd).output();
    }

    private static String xml(String name, String target) {
        return """
                <domain type='bhyve'>
                  <name>%s</name>
                  <memory unit='MiB'>64</memory>
                  <vcpu>1</vcpu>
                  <os>
                    <type>hvm</type>
                    <loader readonly='yes' type='pflash'>/usr/share/jhyve/firmware/BHYVE_UEFI.fd</loader>
                  </os>
                  <devices>
                    <interface type='bridge'>
                      <source bridge='br0'/>
                      <model type='virtio'/>
                      %s
                    </interface>
                    <graphics type='vnc' autoport='yes'/>
                  </devices>
                </domain>
                """.formatted(name, target);
    }

    @Test
    void tapsJoinTheBridgeAndGoAwayAndAutoportAllocates() throws Exception {
        try (var h = new DaemonHarness(tmp, "--ip", "ip -n " + NS)) {
            var fake = h.bin.resolve("jhyve");
            Files.writeString(fake, "#!/bin/sh\necho \"fake-jhyve $*\"\ntrap 'exit 1' TERM\nwhile :; do sleep 0.05; done\n");
            Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
            h.startDaemon();
            h.define("net1", xml("net1", ""));
            h.define("net2", xml("net2", "<target dev='jtap7'/>"));
            h.ok("start", "net1");
            h.ok("start", "net2");
            var links = ipIn("-o", "link", "show", "master", "br0");
            assertTrue(links.contains("vnet0:") && links.contains("jtap7:"), links);
            var live1 = h.ok("dumpxml", "net1").out();
            assertTrue(live1.contains("<target dev='vnet0'/>"), live1);
            int port1 = Integer.parseInt(live1.replaceAll("(?s).*<graphics type='vnc' port='(\\d+)'.*", "$1"));
            var live2 = h.ok("dumpxml", "net2").out();
            int port2 = Integer.parseInt(live2.replaceAll("(?s).*<graphics type='vnc' port='(\\d+)'.*", "$1"));
            assertTrue(port1 >= 5900 && port2 > port1, port1 + " " + port2);
            assertFalse(h.ok("dumpxml", "net1", "--inactive").out().contains("vnet0"), "the definition keeps no tap");
            var log = Files.readString(h.logs.resolve("net1.log"));
            assertTrue(log.contains("fake-jhyve -c 1 -m 64 -u -H -P -s 0:0,hostbridge -l bootrom,"), log);
            assertTrue(log.contains(",virtio-net,vnet0,mac=52:54:00:"), log);
            assertTrue(log.contains(",fbuf,tcp=127.0.0.1:" + port1), log);
            var info = h.ok("dominfo", "net1", "--json").out();
            assertTrue(info.contains("\"taps\":[\"vnet0\"]") && info.contains("\"vncPorts\":[" + port1 + "]"), info);
            h.ok("shutdown", "net1");
            h.await("net1 shut off", 20, () -> h.state("net1").startsWith("shut off"));
            assertFalse(ipIn("link", "show").contains("vnet0"), "tap removed on stop");
            h.ok("destroy", "net2");
            assertFalse(ipIn("link", "show").contains("jtap7"), "tap removed on destroy");
            assertTrue(ipIn("link", "show").contains("br0"), "the bridge stays");
            // the next start gets the lowest free port again
            h.ok("start", "net2");
            assertTrue(h.ok("dumpxml", "net2").out().contains("port='" + port1 + "'"));
            h.ok("destroy", "net2");
        }
    }

    @Test
    void aMissingBridgeFailsTheStartAndLeavesNoTap() throws Exception {
        try (var h = new DaemonHarness(tmp, "--ip", "ip -n " + NS)) {
            h.startDaemon();
            h.define("nobr", xml("nobr", "").replace("br0", "nosuchbr"));
            var r = h.virsh("start", "nobr");
            assertEquals("error: bridge 'nosuchbr' does not exist (for tap vnet0)\n", r.err());
            assertFalse(ipIn("link", "show").contains("vnet0"));
            assertEquals("shut off (unknown)", h.state("nobr"));
        }
    }
}
