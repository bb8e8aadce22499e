package org.jhyve.firmware;

import org.jhyve.config.Topology;

import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;

/** The guest's vCPU topology: {@code sockets * cores * threads} vCPUs (bhyve's -c option). */
public record CpuTopology(int sockets, int cores, int threads) {
    public CpuTopology {
        if (sockets < 1 || cores < 1 || threads < 1) {
            throw new ConfigException("invalid CPU topology: " + sockets + " sockets, " + cores + " cores, "
                    + threads + " threads");
        }
    }

    public int cpus() { return sockets * cores * threads; }

    /** Threads in one socket (what SMBIOS type 4 calls the thread count). */
    public int threadsPerSocket() { return cores * threads; }

    /** The topology the configuration tree describes, checked by bhyve's rules in org.jhyve.config. */
    public static CpuTopology fromConfig(ConfigTree config) {
        Topology t = Topology.fromConfig(config);
        return new CpuTopology(t.sockets(), t.cores(), t.threads());
    }
}
