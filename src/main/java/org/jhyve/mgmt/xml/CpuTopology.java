package org.jhyve.mgmt.xml;

/** {@code <cpu><topology sockets dies clusters cores threads/></cpu>}; dies and clusters are null when absent. */
public record CpuTopology(int sockets, Integer dies, Integer clusters, int cores, int threads) {
    public int product() { return sockets * cores * threads; }
}
