package org.jhyve.net;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * jhyve-net: the host side of the two networks the bhyve guides describe, one command each.
 * <ul>
 * <li>{@code bridged NAME --uplink IF [--tap TAP]...}: a bridge holding the host's uplink and the
 *     guests' taps, so guests sit on the host's LAN. The uplink's addresses and gateway routes move
 *     to the bridge (Linux keeps them on the bridge, not on a port).</li>
 * <li>{@code private NAME [--subnet 10.77.0.1/24] [--domain NAME] [--nat nft|iptables] [--tap TAP]...}:
 *     a bridge with the host's address on a private subnet, IP forwarding, masquerading NAT and
 *     dnsmasq for DHCP and DNS, so guests get addresses and are reachable by name.</li>
 * <li>{@code tap NAME TAP [--user USER]}, {@code untap NAME TAP}, {@code down NAME}, {@code status [NAME]}.</li>
 * </ul>
 * Every setup command is idempotent (running it again checks and completes what exists) and
 * {@code down} undoes exactly what jhyve-net did, from the state it keeps in /run/jhyve-net.
 * Exit status: 0 done, 1 failed, 2 usage error.
 */
public final class JhyveNet {
    static final String DEFAULT_STATE_DIR = "/run/jhyve-net";
    static final String DEFAULT_SUBNET = "10.77.0.1/24";

    private final Host host;
    private final Path stateDir;
    private final PrintStream out;

    JhyveNet(Host host, Path stateDir, PrintStream out) {
        this.host = host;
        this.stateDir = stateDir;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Parsed command line: the verb, positional words and --options (repeatable ones as lists). */
    record Args(String verb, List<String> words, Map<String, List<String>> options) {
        String opt(String name, String fallback) {
            List<String> v = options.get(name);
            return v == null ? fallback : v.getLast();
        }

        List<String> all(String name) { return options.getOrDefault(name, List.of()); }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String m) { super(m); }
    }

    static Args parse(String[] argv) {
        List<String> words = new ArrayList<>();
        Map<String, List<String>> opts = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("-v")) {
                opts.computeIfAbsent("verbose", k -> new ArrayList<>()).add("true");
            } else if (a.equals("-h") || a.equals("--help")) {
                words.addFirst("help");
            } else if (a.startsWith("--")) {
                String name = a.substring(2), value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else {
                    if (i + 1 >= argv.length) throw new UsageException("option --" + name + " needs a value");
                    value = argv[++i];
                }
                if (!List.of("uplink", "tap", "tap-user", "user", "subnet", "domain", "nat", "state-dir").contains(name)) {
                    throw new UsageException("unknown option --" + name);
                }
                opts.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                words.add(a);
            }
        }
        if (words.isEmpty()) throw new UsageException("no command");
        return new Args(words.getFirst(), words.subList(1, words.size()), opts);
    }

    static final String USAGE = """
            usage: jhyve-net bridged NAME --uplink IFACE [--tap TAP]... [--tap-user USER]
                   jhyve-net private NAME [--subnet 10.77.0.1/24] [--domain NAME] [--nat nft|iptables]
                                          [--tap TAP]... [--tap-user USER]
                   jhyve-net tap NAME TAP [--user USER]
                   jhyve-net untap NAME TAP
                   jhyve-net down NAME
                   jhyve-net status [NAME]
            options: -v (show each host command), --state-dir DIR (default /run/jhyve-net)
            bridged: guests join the host's LAN through a bridge holding IFACE (its addresses and
                     gateway routes move to the bridge; down moves them back).
            private: a NAT network: the bridge gets the subnet's address, guests get DHCP leases and
                     DNS names (HOSTNAME.DOMAIN) from dnsmasq, and reach out through masquerading.
            Then: jhyve ... -s 2,virtio-net,TAP (or e1000,TAP) ... VMNAME
            """;

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a;
        try {
            a = parse(argv);
        } catch (UsageException e) {
            err.println("jhyve-net: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (a.verb.equals("help")) {
            out.print(USAGE);
            return 0;
        }
        JhyveNet net = new JhyveNet(new Host(a.options.containsKey("verbose")),
                Path.of(a.opt("state-dir", System.getenv().getOrDefault("JHYVE_NET_STATE", DEFAULT_STATE_DIR))), out);
        try {
            return switch (a.verb) {
                case "bridged" -> net.bridged(name(a, 0), required(a, "uplink"), a.all("tap"), a.opt("tap-user", null));
                case "private" -> net.privateNetwork(name(a, 0), a.opt("subnet", null), a.opt("domain", null),
                        a.opt("nat", null), a.all("tap"), a.opt("tap-user", null));
                case "tap" -> net.tap(name(a, 0), name(a, 1), a.opt("user", null));
                case "untap" -> net.untap(name(a, 0), name(a, 1));
                case "down" -> net.down(name(a, 0));
                case "status" -> net.status(a.words.isEmpty() ? null : name(a, 0));
                default -> throw new UsageException("unknown command " + a.verb);
            };
        } catch (UsageException e) {
            err.println("jhyve-net: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (Failure | Host.CommandFailed | UncheckedIOException | IllegalArgumentException e) {
            err.println("jhyve-net: " + e.getMessage());
            return 1;
        }
    }

    /** A refusal with its reason (exit 1). */
    static final class Failure extends RuntimeException {
        Failure(String m) { super(m); }
    }

    private static String name(Args a, int i) {
        if (a.words.size() <= i) throw new UsageException(a.verb + ": missing " + (i == 0 ? "network name" : "tap name"));
        String n = a.words.get(i);
        if (!n.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new UsageException("'" + n + "' is not an interface name (1-15 of A-Z a-z 0-9 _ . -)");
        }
        return n;
    }

    private static String required(Args a, String option) {
        String v = a.opt(option, null);
        if (v == null) throw new UsageException(a.verb + " needs --" + option);
        return v;
    }

    // ---- bridged ----

    int bridged(String name, String uplink, List<String> taps, String tapUser) {
        NetworkState st = NetworkState.load(stateDir, name);
        if (st != null && !"bridged".equals(st.get("kind"))) {
            throw new Failure("network " + name + " exists as a " + st.get("kind") + " network; run jhyve-net down " + name + " first");
        }
        if (st != null && !uplink.equals(st.get("uplink"))) {
            throw new Failure("network " + name + " exists with uplink " + st.get("uplink") + "; run jhyve-net down " + name + " first");
        }
        if (!host.linkExists(uplink)) throw new Failure("uplink " + uplink + " does not exist");
        if (host.isTap(uplink) || host.isBridge(uplink)) throw new Failure("uplink " + uplink + " is a tap or a bridge, not a host interface");
        String uplinkMaster = host.masterOf(uplink);
        if (uplinkMaster != null && !uplinkMaster.equals(name)) {
            throw new Failure("uplink " + uplink + " is already a port of bridge " + uplinkMaster);
        }
        if (st == null) st = new NetworkState(name, new LinkedHashMap<>(Map.of("kind", "bridged", "uplink", uplink)));
        ensureBridge(st, host.readSys("/sys/class/net/" + uplink + "/address"));
        if (uplinkMaster == null) {
            List<String> addrs = host.addresses(uplink);
            List<String> routes4 = host.gatewayRoutes(uplink, "-4"), routes6 = host.gatewayRoutes(uplink, "-6");
            st.putList("moved_addresses", addrs);
            st.putList("moved_routes4", routes4);
            st.putList("moved_routes6", routes6);
            st.save(stateDir);
            host.must("ip", "link", "set", uplink, "master", name);
            host.must("ip", "link", "set", uplink, "up");
            for (String addr : addrs) {
                host.must("ip", "addr", "del", addr, "dev", uplink);
                addAddress(name, addr);
            }
            for (String r : routes4) route("-4", r, name);
            for (String r : routes6) route("-6", r, name);
        }
        for (String t : taps) ensureTap(st, t, tapUser);
        st.save(stateDir);
        out.println("bridged network " + name + ": bridge " + name + " with uplink " + uplink
                + (taps.isEmpty() ? "" : " and " + String.join(", ", taps)));
        out.println("addresses on " + name + ": " + String.join(" ", host.addresses(name)));
        return 0;
    }

    private void addAddress(String dev, String addr) {
        Host.Result r = host.run("ip", "addr", "add", addr, "dev", dev);
        if (!r.ok() && !r.err().contains("File exists")) throw new Host.CommandFailed(List.of("ip", "addr", "add", addr, "dev", dev), r);
    }

    private void route(String family, String route, String dev) {
        List<String> cmd = new ArrayList<>(List.of("ip", family, "route", "replace"));
        cmd.addAll(List.of(route.split(" ")));
        cmd.addAll(List.of("dev", dev));
        host.must(cmd.toArray(String[]::new));
    }

    /** The bridge: created when missing (recorded), refused when the name is something else; up. */
    private void ensureBridge(NetworkState st, String mac) {
        String name = st.name();
        if (host.linkExists(name)) {
            if (!host.isBridge(name)) throw new Failure(name + " exists and is not a bridge");
        } else {
            host.must("ip", "link", "add", name, "type", "bridge");
            st.put("created_bridge", "true");
            // the host keeps its LAN identity (DHCP reservations, ARP caches) when the bridge takes over
            if (mac != null && !mac.isEmpty()) host.must("ip", "link", "set", "dev", name, "address", mac);
            st.save(stateDir);
        }
        host.must("ip", "link", "set", name, "up");
    }

    private void ensureTap(NetworkState st, String tap, String user) {
        String bridge = st.name();
        if (!host.linkExists(tap)) {
            List<String> cmd = new ArrayList<>(List.of("ip", "tuntap", "add", "dev", tap, "mode", "tap"));
            if (user != null) cmd.addAll(List.of("user", user));
            host.must(cmd.toArray(String[]::new));
            List<String> created = st.list("created_taps");
            if (!created.contains(tap)) created.add(tap);
            st.putList("created_taps", created);
            st.save(stateDir);
        } else if (!host.isTap(tap)) {
            throw new Failure(tap + " exists and is not a tap");
        }
        String master = host.masterOf(tap);
        if (master != null && !master.equals(bridge)) throw new Failure(tap + " is already a port of bridge " + master);
        if (master == null) host.must("ip", "link", "set", tap, "master", bridge);
        host.must("ip", "link", "set", tap, "up");
    }

    // ---- private ----

    int privateNetwork(String name, String subnetArg, String domainArg, String natArg, List<String> taps, String tapUser) {
        NetworkState st = NetworkState.load(stateDir, name);
        if (st != null && !"private".equals(st.get("kind"))) {
            throw new Failure("network " + name + " exists as a " + st.get("kind") + " network; run jhyve-net down " + name + " first");
        }
        Subnet subnet = Subnet.parse(subnetArg != null ? subnetArg : st != null ? st.get("subnet") : DEFAULT_SUBNET);
        String domain = domainArg != null ? domainArg : st != null ? st.get("domain") : name;
        if (!domain.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?")) throw new Failure("domain '" + domain + "' is not a DNS name");
        if (st != null && (!subnet.cidr().equals(st.get("subnet")) || !domain.equals(st.get("domain")))) {
            throw new Failure("network " + name + " exists with subnet " + st.get("subnet") + " and domain " + st.get("domain")
                    + "; run jhyve-net down " + name + " first");
        }
        if (!host.has("dnsmasq")) throw new Failure("dnsmasq is not installed (Debian/Ubuntu: apt install dnsmasq-base)");
        Nat nat = Nat.choose(host, natArg != null ? natArg : st != null ? st.get("nat") : null, name, subnet);
        if (st == null) {
            st = new NetworkState(name, new LinkedHashMap<>(Map.of("kind", "private", "subnet", subnet.cidr(),
                    "domain", domain, "nat", nat.kind())));
            st.save(stateDir);
        }
        ensureBridge(st, null);
        if (!host.addresses(name).contains(subnet.cidr())) addAddress(name, subnet.cidr());
        String forward = "/proc/sys/net/ipv4/ip_forward";
        if (st.get("ip_forward_before") == null) st.put("ip_forward_before", host.readSys(forward));
        st.save(stateDir);
        if (!"1".equals(host.readSys(forward))) host.writeSys(forward, "1");
        nat.apply();
        Dnsmasq dns = new Dnsmasq(host, stateDir, name, subnet, domain);
        boolean started = dns.ensureRunning();
        for (String t : taps) ensureTap(st, t, tapUser);
        st.save(stateDir);
        out.println("private network " + name + ": " + subnet.cidr() + " on bridge " + name + ", NAT via " + nat.kind()
                + ", dnsmasq " + (started ? "started" : "running") + " (pid " + dns.pid() + ")");
        out.println("DHCP pool " + subnet.poolStart() + "-" + subnet.poolEnd() + "; guest names: HOSTNAME." + domain
                + " (ask " + subnet.gateway() + ", e.g. resolvectl dns " + name + " " + subnet.gateway()
                + "; resolvectl domain " + name + " ~" + domain + ")");
        if (!taps.isEmpty()) out.println("taps: " + String.join(", ", taps));
        return 0;
    }

    // ---- taps ----

    int tap(String name, String tap, String user) {
        NetworkState st = existing(name);
        ensureTap(st, tap, user);
        st.save(stateDir);
        out.println(tap + " is a port of " + name);
        return 0;
    }

    int untap(String name, String tap) {
        NetworkState st = existing(name);
        List<String> created = st.list("created_taps");
        if (created.remove(tap)) {
            host.run("ip", "link", "del", tap);
            st.putList("created_taps", created);
        } else if (name.equals(host.masterOf(tap))) {
            host.must("ip", "link", "set", tap, "nomaster");
        } else {
            throw new Failure(tap + " is not a port of " + name);
        }
        st.save(stateDir);
        out.println(tap + " removed from " + name);
        return 0;
    }

    private NetworkState existing(String name) {
        NetworkState st = NetworkState.load(stateDir, name);
        if (st == null) throw new Failure("no network " + name + " (set one up with jhyve-net bridged or private)");
        return st;
    }

    // ---- down ----

    int down(String name) {
        NetworkState st = NetworkState.load(stateDir, name);
        if (st == null) {
            out.println("network " + name + " is not set up");
            return 0;
        }
        List<String> problems = new ArrayList<>();
        if ("private".equals(st.get("kind"))) {
            new Dnsmasq(host, stateDir, name, Subnet.parse(st.get("subnet")), st.get("domain")).stop();
            Nat.choose(host, st.get("nat"), name, Subnet.parse(st.get("subnet"))).remove();
            String before = st.get("ip_forward_before");
            boolean otherPrivate = NetworkState.names(stateDir).stream().filter(n -> !n.equals(name))
                    .map(n -> NetworkState.load(stateDir, n)).anyMatch(s -> s != null && "private".equals(s.get("kind")));
            if ("0".equals(before) && !otherPrivate) host.writeSys("/proc/sys/net/ipv4/ip_forward", "0");
        }
        for (String t : st.list("created_taps")) host.run("ip", "link", "del", t);
        if ("bridged".equals(st.get("kind"))) {
            String uplink = st.get("uplink");
            if (host.linkExists(uplink)) {
                if (name.equals(host.masterOf(uplink))) host.run("ip", "link", "set", uplink, "nomaster");
                for (String addr : st.list("moved_addresses")) {
                    host.run("ip", "addr", "del", addr, "dev", name);
                    try {
                        addAddress(uplink, addr);
                    } catch (Host.CommandFailed e) {
                        problems.add(e.getMessage());
                    }
                }
                for (String r : st.list("moved_routes4")) restoreRoute("-4", r, uplink, problems);
                for (String r : st.list("moved_routes6")) restoreRoute("-6", r, uplink, problems);
            } else {
                problems.add("uplink " + uplink + " is gone; its addresses were " + String.join(" ", st.list("moved_addresses")));
            }
        }
        if ("true".equals(st.get("created_bridge")) && host.linkExists(name)) host.must("ip", "link", "del", name);
        else if (host.linkExists(name)) for (String p : host.bridgePorts(name)) if (st.list("created_taps").contains(p)) host.run("ip", "link", "del", p);
        st.delete(stateDir);
        for (String p : problems) out.println("warning: " + p);
        out.println("network " + name + " removed");
        return 0;
    }

    private void restoreRoute(String family, String r, String dev, List<String> problems) {
        try {
            route(family, r, dev);
        } catch (Host.CommandFailed e) {
            problems.add(e.getMessage());
        }
    }

    // ---- status ----

    int status(String only) {
        List<String> names = only != null ? List.of(only) : NetworkState.names(stateDir);
        if (names.isEmpty()) {
            out.println("no jhyve-net networks");
            return 0;
        }
        int rc = 0;
        for (String name : names) {
            NetworkState st = NetworkState.load(stateDir, name);
            if (st == null) {
                out.println(name + ": not set up");
                rc = 1;
                continue;
            }
            boolean exists = host.linkExists(name);
            boolean up = exists && (Integer.decode(host.readSys("/sys/class/net/" + name + "/flags")) & 1) != 0;
            out.println(name + ": " + st.get("kind") + " network, bridge " + (exists ? up ? "up" : "down" : "MISSING"));
            if (exists) {
                out.println("  ports: " + String.join(" ", host.bridgePorts(name)));
                out.println("  addresses: " + String.join(" ", host.addresses(name)));
            }
            if ("bridged".equals(st.get("kind"))) {
                String uplink = st.get("uplink");
                out.println("  uplink: " + uplink + (name.equals(host.masterOf(uplink)) ? "" : " (NOT a port of " + name + ")"));
            } else {
                Subnet subnet = Subnet.parse(st.get("subnet"));
                Nat nat = Nat.choose(host, st.get("nat"), name, subnet);
                out.println("  subnet: " + subnet.cidr() + ", domain " + st.get("domain") + ", forwarding "
                        + ("1".equals(host.readSys("/proc/sys/net/ipv4/ip_forward")) ? "on" : "OFF"));
                out.println("  nat: " + nat.kind() + (nat.present() ? " masquerade in place" : " rules MISSING"));
                Dnsmasq dns = new Dnsmasq(host, stateDir, name, subnet, st.get("domain"));
                out.println("  dnsmasq: " + (dns.running() ? "running (pid " + dns.pid() + ")" : "NOT running"));
                for (Dnsmasq.Lease l : dns.leases()) {
                    out.println("  lease: " + l.address() + " " + l.hostname() + (l.hostname().equals("*") ? "" : "." + st.get("domain"))
                            + " " + l.mac());
                }
            }
        }
        return rc;
    }
}
