package org.jhyve.net;

/**
 * A private network's IPv4 subnet given as the bridge's address in CIDR form (10.77.0.1/24):
 * the host's address on it, the network, and the DHCP pool (from .10 above the network to the
 * last address before broadcast).
 */
record Subnet(int address, int prefix) {
    Subnet {
        if (prefix < 8 || prefix > 29) throw new IllegalArgumentException("prefix /" + prefix + " (8 to 29)");
        int host = address & ~mask(prefix);
        if (host == 0 || host == ~mask(prefix)) {
            throw new IllegalArgumentException(format(address) + " is the network or broadcast address of /" + prefix);
        }
    }

    static Subnet parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("subnet " + cidr + " needs /prefix, e.g. 10.77.0.1/24");
        try {
            return new Subnet(parseAddress(cidr.substring(0, slash)), Integer.parseInt(cidr.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("subnet " + cidr + " is not address/prefix", e);
        }
    }

    static int parseAddress(String s) {
        String[] p = s.split("\\.", -1);
        if (p.length != 4) throw new IllegalArgumentException("IPv4 address " + s);
        int a = 0;
        for (String x : p) {
            int v = Integer.parseInt(x);
            if (v < 0 || v > 255 || !x.equals(Integer.toString(v))) throw new IllegalArgumentException("IPv4 address " + s);
            a = a << 8 | v;
        }
        return a;
    }

    static String format(int a) { return (a >>> 24) + "." + (a >>> 16 & 255) + "." + (a >>> 8 & 255) + "." + (a & 255); }

    static int mask(int prefix) { return prefix == 0 ? 0 : -1 << (32 - prefix); }

    String gateway() { return format(address); }

    /** "10.77.0.1/24" */
    String cidr() { return gateway() + "/" + prefix; }

    /** "10.77.0.0/24" */
    String network() { return format(address & mask(prefix)) + "/" + prefix; }

    String netmask() { return format(mask(prefix)); }

    /** The first and last address handed out by DHCP. */
    String poolStart() {
        int net = address & mask(prefix);
        int size = ~mask(prefix);
        return format(net + Math.min(10, size / 2));
    }

    String poolEnd() { return format((address | ~mask(prefix)) - 1); }
}
