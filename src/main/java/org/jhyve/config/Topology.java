package org.jhyve.config;

/**
 * The guest CPU topology from the variables cpus, sockets, cores and threads, with bhyve's rules
 * (calc_topology): each is 1..65535; cores and threads default to 1; sockets defaults to cpus
 * (or 1); when cpus is set it must equal sockets * cores * threads, otherwise it is that product.
 */
public record Topology(int cpus, int sockets, int cores, int threads) {
    private static final int MAX = 0xFFFF;

    /** bhyve's calc_topology over the (expanded) variables; errors are fatal (exit 4). */
    public static Topology fromConfig(ConfigTree tree) {
        String cpusValue = tree.get("cpus");
        int cpus = cpusValue != null ? intValue("cpus", cpusValue) : 1;
        int cores = tree.has("cores") ? intValue("cores", tree.get("cores")) : 1;
        int threads = tree.has("threads") ? intValue("threads", tree.get("threads")) : 1;
        int sockets = tree.has("sockets") ? intValue("sockets", tree.get("sockets")) : cpus;
        long product = (long) sockets * cores * threads;
        if (product > MAX) throw new ConfigException("Computed number of vCPUs too high: " + product);
        if (cpusValue == null) return new Topology((int) product, sockets, cores, threads);
        if (cpus != product) {
            throw new ConfigException("Topology (" + sockets + " sockets, " + cores + " cores, " + threads
                    + " threads) does not match " + cpus + " vCPUs");
        }
        return new Topology(cpus, sockets, cores, threads);
    }

    /** The check bhyve makes once the VM exists: no more vCPUs than the hypervisor allows. */
    public void checkAvailable(int maxVcpus) {
        if (cpus > maxVcpus) {
            throw new ConfigException(cpus + " vCPUs requested but only " + maxVcpus + " available");
        }
    }

    /**
     * -c [[cpus=]n][,sockets=n][,cores=n][,threads=n]: sets the variables as given (checked later by
     * {@link #fromConfig}); an empty argument sets all four to 1; any other key is refused.
     */
    static void parseOption(ConfigTree tree, String opt) {
        if (opt.isEmpty()) {
            tree.set("sockets", "1");
            tree.set("cores", "1");
            tree.set("threads", "1");
            tree.set("cpus", "1");
            return;
        }
        for (String item : opt.split(",", -1)) {
            String key = null;
            for (String k : new String[] {"cpus", "sockets", "cores", "threads"}) {
                if (item.startsWith(k + "=")) key = k;
            }
            if (key != null) {
                tree.set(key, item.substring(key.length() + 1));
            } else if (item.indexOf('=') >= 0) {
                throw OptionException.badValue("invalid cpu topology '" + opt + "'");
            } else {
                tree.set("cpus", item);
            }
        }
    }

    /** bhyve's parse_int_value: strtol base 0, the whole string, within 1..65535. */
    private static int intValue(String key, String value) {
        CNum.Parsed p = CNum.strtol(value, 0, 0);
        if (p.none(0) || p.overflow() || p.end() != value.length() || p.value() < 1 || p.value() > MAX) {
            throw new ConfigException("Invalid value for " + key + ": '" + value + "'");
        }
        return (int) p.value();
    }
}
