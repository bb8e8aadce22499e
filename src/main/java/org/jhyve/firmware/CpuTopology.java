package org.jhyve.firmware;

import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;

/** The guest's vCPU topology: {@code sockets * cores * threads} vCPUs (bhyve's -c option). */
public record CpuTopology(int sockets, int cores, int threads) {
    private static final int MAX = 0xFFFF; // bhyve parses each as a 16-bit value

    public CpuTopology {
        if (sockets < 1 || cores < 1 || threads < 1) {
            throw new ConfigException("invalid CPU topology: " + sockets + " sockets, " + cores + " cores, "
                    + threads + " threads");
        }
    }

    public int cpus() { return sockets * cores * threads; }

    /** Threads in one socket (what SMBIOS type 4 calls the thread count). */
    public int threadsPerSocket() { return cores * threads; }

    /**
     * bhyve's rules: cores and threads default to 1; sockets defaults to {@code cpus} when that
     * is set, else 1; an explicit {@code cpus} must equal the product.
     */
    public static CpuTopology fromConfig(ConfigTree config) {
        Integer cpus = config.has("cpus") ? parse(config, "cpus") : null;
        int cores = config.has("cores") ? parse(config, "cores") : 1;
        int threads = config.has("threads") ? parse(config, "threads") : 1;
        int sockets = config.has("sockets") ? parse(config, "sockets") : (cpus != null ? cpus : 1);
        long product = (long) sockets * cores * threads;
        if (product > MAX) throw new ConfigException("computed number of vCPUs too high: " + product);
        if (cpus != null && cpus != product) {
            throw new ConfigException("topology (" + sockets + " sockets, " + cores + " cores, " + threads
                    + " threads) does not match " + cpus + " vCPUs");
        }
        return new CpuTopology(sockets, cores, threads);
    }

    private static int parse(ConfigTree config, String name) {
        String v = config.get(name);
        try {
            int n = Integer.decode(v.trim());
            if (n < 1 || n > MAX) throw new ConfigException("invalid " + name + " '" + v + "': must be 1.." + MAX);
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException("invalid " + name + " '" + v + "'");
        }
    }
}
