package org.jhyve.vm;

/**
 * vCPU topology and the x2APIC ID of each vCPU: the ID is packed as socket|core|thread fields,
 * each as wide as its count needs, the layout CPUID leaf 0xB describes to the guest.
 */
public record Topology(int cpus, int sockets, int cores, int threads) {
    public Topology {
        if (cpus < 1 || sockets < 1 || cores < 1 || threads < 1) {
            throw new IllegalArgumentException("topology values must be positive: " + this);
        }
        if ((long) sockets * cores * threads < cpus) {
            throw new IllegalArgumentException("topology " + sockets + "x" + cores + "x" + threads + " holds fewer than " + cpus + " cpus");
        }
    }

    static int bitsFor(int n) { return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1); }

    public int threadBits() { return bitsFor(threads); }

    public int coreBits() { return bitsFor(cores); }

    public int apicId(int vcpu) {
        int thread = vcpu % threads;
        int core = (vcpu / threads) % cores;
        int socket = vcpu / (threads * cores);
        return (socket << (coreBits() + threadBits())) | (core << threadBits()) | thread;
    }
}
