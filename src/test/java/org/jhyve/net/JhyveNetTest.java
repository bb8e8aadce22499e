package org.jhyve.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * jhyve-net run the way a user runs it (its own JVM, as root) but inside network namespaces the
 * test creates: "host" holds the networks, "wan"/"lan" play the outside world behind a veth
 * uplink, "guest" is a client on the bridge. The host's own interfaces are never touched.
 */
class JhyveNetTest {
    @TempDir
    Path state;

    NetNamespace.Result jhyveNet(NetNamespace ns, String... args) {
        Path classes;
        try {
            classes = Path.of(JhyveNet.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classes.toString(), JhyveNet.class.getName(),
                "--state-dir", state.toString()));
        cmd.addAll(List.of(args));
        return ns.execAllowingFailure(cmd.toArray(String[]::new));
    }

    static void assertOk(NetNamespace.Result r) { assertEquals(0, r.rc(), "jhyve-net failed:\n" + r.out() + r.err()); }

    /** A veth pair: a in ns1, b in ns2, both up. */
    static void veth(NetNamespace ns1, String a, NetNamespace ns2, String b) {
        NetNamespace.run(List.of("ip", "link", "add", a, "netns", ns1.name(), "type", "veth", "peer", "name", b, "netns", ns2.name()));
        ns1.exec("ip", "link", "set", a, "up");
        ns2.exec("ip", "link", "set", b, "up");
    }

    static Path udhcpcScript(Path dir) throws Exception {
        Path s = dir.resolve("udhcpc.sh");
        Files.writeString(s, """
                #!/bin/sh
                case "$1" in
                bound|renew) ip addr add "$ip/$mask" dev "$interface"
                  [ -n "$router" ] && ip route add default via ${router%% *} dev "$interface"
                  echo "lease $ip" ;;
                esac
                exit 0
                """);
        s.toFile().setExecutable(true);
        return s;
    }

    @Test
    void privateNetworkGivesLeasesNamesAndNatAndIsIdempotent(@TempDir Path tmp) throws Exception {
        NetNamespace.require();
        NetNamespace.requireTool("dnsmasq");
        NetNamespace.requireTool("nft");
        NetNamespace.requireTool("busybox");
        try (NetNamespace host = NetNamespace.create("host"); NetNamespace wan = NetNamespace.create("wan");
             NetNamespace guest = NetNamespace.create("guest")) {
            veth(host, "up0", wan, "wan0");
            host.exec("ip", "addr", "add", "198.51.100.2/24", "dev", "up0");
            host.exec("ip", "route", "add", "default", "via", "198.51.100.1");
            wan.exec("ip", "addr", "add", "198.51.100.1/24", "dev", "wan0");

            NetNamespace.Result r = jhyveNet(host, "private", "jhnat0", "--subnet", "10.77.0.1/24", "--domain", "lab",
                    "--tap", "tapv0");
            assertOk(r);
            assertTrue(r.out().contains("private network jhnat0: 10.77.0.1/24 on bridge jhnat0, NAT via nft, dnsmasq started"), r.out());
            assertEquals("1", host.exec("cat", "/proc/sys/net/ipv4/ip_forward").out().strip());
            assertTrue(host.exec("ip", "-o", "link", "show", "tapv0").out().contains("master jhnat0"));
            String firstPid = Files.readString(state.resolve("jhnat0.dnsmasq.pid")).strip();

            assertOk(jhyveNet(host, "private", "jhnat0"));   // again: nothing added twice
            assertEquals(firstPid, Files.readString(state.resolve("jhnat0.dnsmasq.pid")).strip(), "the same dnsmasq");
            String addrs = host.exec("ip", "-o", "-4", "addr", "show", "dev", "jhnat0").out();
            assertEquals(1, addrs.lines().count(), addrs);
            String rules = host.exec("nft", "list", "ruleset").out();
            assertEquals(1, rules.split("masquerade", -1).length - 1, rules);
            NetNamespace.Result clash = jhyveNet(host, "private", "jhnat0", "--subnet", "10.88.0.1/24");
            assertEquals(1, clash.rc());
            assertTrue(clash.err().contains("exists with subnet 10.77.0.1/24"), clash.err());

            // a guest on the bridge: DHCP lease, its name in DNS, the outside through NAT
            veth(guest, "g0", host, "gport");
            host.exec("ip", "link", "set", "gport", "master", "jhnat0");
            NetNamespace.Result dhcp = guest.exec("busybox", "udhcpc", "-i", "g0", "-n", "-q", "-f", "-t", "8", "-T", "1",
                    "-x", "hostname:guest1", "-s", udhcpcScript(tmp).toString());
            String lease = dhcp.out().lines().filter(l -> l.startsWith("lease ")).findFirst().orElseThrow(
                    () -> new AssertionError("no lease:\n" + dhcp.out() + dhcp.err())).substring(6);
            assertTrue(lease.startsWith("10.77.0."), lease);
            int last = Integer.parseInt(lease.substring(8));
            assertTrue(last >= 10 && last <= 254, lease);
            NetNamespace.Result ns = guest.exec("busybox", "nslookup", "guest1.lab", "10.77.0.1");
            assertTrue(ns.out().contains("Address: " + lease), ns.out());
            String hostName = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            NetNamespace.Result self = guest.exec("busybox", "nslookup", hostName + ".lab", "10.77.0.1");
            assertTrue(self.out().contains("Address: 10.77.0.1"), "the host by name\n" + self.out());
            guest.exec("busybox", "ping", "-c", "1", "-W", "3", "198.51.100.1");   // wan has no route back: only NAT answers
            NetNamespace.Result fromHost = host.exec("busybox", "nslookup", "guest1.lab", "10.77.0.1");
            assertTrue(fromHost.out().contains("Address: " + lease), "the host reaches the guest by name");
            host.exec("busybox", "ping", "-c", "1", "-W", "3", lease);

            NetNamespace.Result st = jhyveNet(host, "status");
            assertOk(st);
            assertTrue(st.out().contains("jhnat0: private network, bridge up"), st.out());
            assertTrue(st.out().contains("nat: nft masquerade in place"), st.out());
            assertTrue(st.out().contains("lease: " + lease + " guest1.lab"), st.out());

            assertOk(jhyveNet(host, "down", "jhnat0"));
            assertNotEquals(0, host.execAllowingFailure("ip", "link", "show", "jhnat0").rc(), "bridge removed");
            assertNotEquals(0, host.execAllowingFailure("ip", "link", "show", "tapv0").rc(), "the tap it created removed");
            assertFalse(host.exec("nft", "list", "ruleset").out().contains("masquerade"));
            assertEquals("0", host.exec("cat", "/proc/sys/net/ipv4/ip_forward").out().strip(), "forwarding as before");
            assertFalse(ProcessHandle.of(Long.parseLong(firstPid)).map(ProcessHandle::isAlive).orElse(false), "dnsmasq stopped");
            NetNamespace.Result again = jhyveNet(host, "down", "jhnat0");
            assertOk(again);
            assertTrue(again.out().contains("network jhnat0 is not set up"));
        }
    }

    @Test
    void bridgedNetworkPutsGuestsOnTheLanAndDownRestoresTheUplink() throws Exception {
        NetNamespace.require();
        NetNamespace.requireTool("busybox");
        try (NetNamespace host = NetNamespace.create("host"); NetNamespace lan = NetNamespace.create("lan");
             NetNamespace guest = NetNamespace.create("guest")) {
            veth(host, "up0", lan, "lan0");
            host.exec("ip", "addr", "add", "192.0.2.2/24", "dev", "up0");
            host.exec("ip", "route", "add", "default", "via", "192.0.2.1");
            lan.exec("ip", "addr", "add", "192.0.2.1/24", "dev", "lan0");
            String uplinkMac = host.exec("cat", "/sys/class/net/up0/address").out().strip();

            NetNamespace.Result r = jhyveNet(host, "bridged", "jhbr0", "--uplink", "up0", "--tap", "tapb0");
            assertOk(r);
            assertTrue(host.exec("ip", "-o", "link", "show", "up0").out().contains("master jhbr0"));
            assertTrue(host.exec("ip", "-o", "link", "show", "tapb0").out().contains("master jhbr0"));
            assertTrue(host.exec("ip", "-o", "-4", "addr", "show", "dev", "jhbr0").out().contains("192.0.2.2/24"));
            assertEquals("", host.exec("ip", "-o", "-4", "addr", "show", "dev", "up0").out().strip());
            assertTrue(host.exec("ip", "route", "show", "default").out().contains("via 192.0.2.1 dev jhbr0"));
            assertEquals(uplinkMac, host.exec("cat", "/sys/class/net/jhbr0/address").out().strip(), "the host keeps its MAC");
            host.exec("busybox", "ping", "-c", "1", "-W", "3", "192.0.2.1");

            assertOk(jhyveNet(host, "bridged", "jhbr0", "--uplink", "up0", "--tap", "tapb0"));   // again
            assertEquals(1, host.exec("ip", "-o", "-4", "addr", "show", "dev", "jhbr0").out().lines().count());
            NetNamespace.Result other = jhyveNet(host, "private", "jhbr0");
            assertEquals(1, other.rc());
            assertTrue(other.err().contains("exists as a bridged network"), other.err());

            veth(guest, "g0", host, "gport");
            host.exec("ip", "link", "set", "gport", "master", "jhbr0");
            guest.exec("ip", "addr", "add", "192.0.2.50/24", "dev", "g0");
            guest.exec("busybox", "ping", "-c", "1", "-W", "3", "192.0.2.1");   // the guest is on the LAN itself

            assertOk(jhyveNet(host, "down", "jhbr0"));
            assertNotEquals(0, host.execAllowingFailure("ip", "link", "show", "jhbr0").rc());
            assertTrue(host.exec("ip", "-o", "-4", "addr", "show", "dev", "up0").out().contains("192.0.2.2/24"));
            assertTrue(host.exec("ip", "route", "show", "default").out().contains("via 192.0.2.1 dev up0"));
            host.exec("busybox", "ping", "-c", "1", "-W", "3", "192.0.2.1");
        }
    }

    @Test
    void iptablesFlavourAddsEachRuleOnceAndRemovesThem() throws Exception {
        NetNamespace.require();
        NetNamespace.requireTool("dnsmasq");
        NetNamespace.requireTool("iptables");
        try (NetNamespace host = NetNamespace.create("host")) {
            assertOk(jhyveNet(host, "private", "jhnat1", "--subnet", "10.78.0.1/24", "--nat", "iptables"));
            assertOk(jhyveNet(host, "private", "jhnat1"));
            String nat = host.exec("iptables", "-t", "nat", "-S", "POSTROUTING").out();
            assertEquals(1, nat.lines().filter(l -> l.contains("MASQUERADE")).count(), nat);
            assertEquals(2, host.exec("iptables", "-S", "FORWARD").out().lines().filter(l -> l.contains("jhnat1")).count());
            NetNamespace.Result st = jhyveNet(host, "status", "jhnat1");
            assertTrue(st.out().contains("nat: iptables masquerade in place"), st.out());
            assertOk(jhyveNet(host, "down", "jhnat1"));
            assertFalse(host.exec("iptables", "-t", "nat", "-S").out().contains("MASQUERADE"));
            assertFalse(host.exec("iptables", "-S").out().contains("jhnat1"));
        }
    }

    static String[] run(int expectRc, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int rc = JhyveNet.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        String out = o.toString(StandardCharsets.UTF_8), err = e.toString(StandardCharsets.UTF_8);
        assertEquals(expectRc, rc, out + err);
        return new String[] {out, err};
    }

    @Test
    void usageErrorsExitTwoAndRefusalsOne() {
        assertTrue(run(0, "--help")[0].startsWith("usage: jhyve-net"));
        assertTrue(run(2)[1].contains("no command"));
        assertTrue(run(2, "bridged", "br0")[1].contains("bridged needs --uplink"));
        assertTrue(run(2, "private", "this-name-is-too-long")[1].contains("is not an interface name"));
        assertTrue(run(2, "private", "x", "--bogus", "1")[1].contains("unknown option --bogus"));
        assertTrue(run(2, "frobnicate", "x")[1].contains("unknown command frobnicate"));
        assertTrue(run(1, "--state-dir", state.toString(), "tap", "nonet", "tap9")[1].contains("no network nonet"));
        assertTrue(run(0, "--state-dir", state.toString(), "status")[0].contains("no jhyve-net networks"));
    }

    @Test
    void subnetsGiveGatewayNetworkAndPool() {
        Subnet s = Subnet.parse("10.77.0.1/24");
        assertEquals("10.77.0.0/24", s.network());
        assertEquals("255.255.255.0", s.netmask());
        assertEquals("10.77.0.10", s.poolStart());
        assertEquals("10.77.0.254", s.poolEnd());
        Subnet small = Subnet.parse("192.168.5.129/28");
        assertEquals("192.168.5.128/28", small.network());
        assertEquals("192.168.5.135", small.poolStart());
        assertEquals("192.168.5.142", small.poolEnd());
        assertThrows(IllegalArgumentException.class, () -> Subnet.parse("10.77.0.0/24"));
        assertThrows(IllegalArgumentException.class, () -> Subnet.parse("10.77.0.1"));
        assertThrows(IllegalArgumentException.class, () -> Subnet.parse("10.77.0.300/24"));
        assertThrows(IllegalArgumentException.class, () -> Subnet.parse("10.77.0.1/31"));
    }
}
