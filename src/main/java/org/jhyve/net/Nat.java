package org.jhyve.net;

import java.util.List;

/**
 * Masquerading for a private network, in whichever firewall the host has: an nftables table of
 * its own (preferred: created and removed as one unit), or iptables rules checked with -C before
 * they are added so that a second run adds nothing.
 */
sealed interface Nat permits Nat.Nftables, Nat.Iptables {
    String kind();

    void apply();

    void remove();

    boolean present();

    static Nat choose(Host host, String wanted, String bridge, Subnet subnet) {
        String kind = wanted != null ? wanted : host.has("nft") ? "nft" : host.has("iptables") ? "iptables" : null;
        if (kind == null) throw new JhyveNet.Failure("neither nft nor iptables is installed (apt install nftables)");
        return switch (kind) {
            case "nft" -> {
                if (!host.has("nft")) throw new JhyveNet.Failure("nft is not installed (apt install nftables)");
                yield new Nftables(host, bridge, subnet);
            }
            case "iptables" -> {
                if (!host.has("iptables")) throw new JhyveNet.Failure("iptables is not installed (apt install iptables)");
                yield new Iptables(host, bridge, subnet);
            }
            default -> throw new JhyveNet.Failure("unknown NAT flavour '" + kind + "' (nft or iptables)");
        };
    }

    record Nftables(Host host, String bridge, Subnet subnet) implements Nat {
        String table() { return "jhyve_" + bridge.replaceAll("[^A-Za-z0-9_]", "_"); }

        @Override public String kind() { return "nft"; }

        /** One transaction: create-if-missing, delete, define; so re-running replaces rather than duplicates. */
        @Override
        public void apply() {
            String t = table(), net = subnet.network();
            host.mustWithInput("""
                    table ip %1$s {}
                    delete table ip %1$s
                    table ip %1$s {
                      chain postrouting {
                        type nat hook postrouting priority srcnat; policy accept;
                        ip saddr %2$s ip daddr != %2$s masquerade
                      }
                      chain forward {
                        type filter hook forward priority filter; policy accept;
                        iifname "%3$s" accept
                        oifname "%3$s" ct state established,related accept
                      }
                    }
                    """.formatted(t, net, bridge), "nft", "-f", "-");
        }

        @Override
        public void remove() { host.run("nft", "delete", "table", "ip", table()); }

        @Override
        public boolean present() {
            Host.Result r = host.run("nft", "list", "table", "ip", table());
            return r.ok() && r.out().contains("masquerade");
        }
    }

    record Iptables(Host host, String bridge, Subnet subnet) implements Nat {
        List<List<String>> rules() {
            String net = subnet.network();
            return List.of(List.of("-t", "nat", "POSTROUTING", "-s", net, "!", "-d", net, "-j", "MASQUERADE"),
                    List.of("-t", "filter", "FORWARD", "-i", bridge, "-j", "ACCEPT"),
                    List.of("-t", "filter", "FORWARD", "-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED",
                            "-j", "ACCEPT"));
        }

        private String[] cmd(String op, List<String> rule) {
            // rule = -t TABLE CHAIN spec...; iptables wants -t TABLE OP CHAIN spec...
            List<String> c = new java.util.ArrayList<>(List.of("iptables", rule.get(0), rule.get(1), op, rule.get(2)));
            c.addAll(rule.subList(3, rule.size()));
            return c.toArray(String[]::new);
        }

        @Override public String kind() { return "iptables"; }

        @Override
        public void apply() {
            for (List<String> r : rules()) if (!host.run(cmd("-C", r)).ok()) host.must(cmd("-A", r));
        }

        @Override
        public void remove() {
            for (List<String> r : rules()) {
                for (int i = 0; i < 16 && host.run(cmd("-C", r)).ok(); i++) host.run(cmd("-D", r));
            }
        }

        @Override
        public boolean present() {
            for (List<String> r : rules()) if (!host.run(cmd("-C", r)).ok()) return false;
            return true;
        }
    }
}
