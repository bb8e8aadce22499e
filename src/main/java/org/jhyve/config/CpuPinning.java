package org.jhyve.config;

import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;

/**
 * -p vcpu:hostcpu and the vcpu.N.cpuset variables: each -p appends one host CPU to the vCPU's
 * list ("0", then "0,5"); a list is host CPUs and ranges ("0-3,8"), C number syntax, 0..1023.
 */
public final class CpuPinning {
    /** FreeBSD's and glibc's CPU_SETSIZE. */
    public static final int CPU_SETSIZE = 1024;

    private CpuPinning() {}

    /** bhyve_pincpu_parse: appends hostcpu to vcpu.N.cpuset; errors exit 64. */
    static void addPin(ConfigTree tree, String opt) {
        int[] v = new int[2];
        String problem = null;
        if (CNum.sscanf(opt, "%d:%d", v) != 2) {
            problem = "invalid format: " + opt;
        } else if (v[0] < 0) {
            problem = "invalid vcpu '" + v[0] + "'";
        } else if (v[1] < 0 || v[1] >= CPU_SETSIZE) {
            problem = "hostcpu '" + v[1] + "' outside valid range from 0 to " + (CPU_SETSIZE - 1);
        }
        if (problem != null) {
            throw OptionException.badValue("invalid vcpu pinning configuration '" + opt + "': " + problem);
        }
        String key = "vcpu." + v[0] + ".cpuset";
        String old = tree.get(key);
        tree.set(key, old == null ? Integer.toString(v[1]) : old + "," + v[1]);
    }

    /** bhyve's parse_cpuset: the host CPUs in a list such as "0-3,8"; errors are fatal (exit 4). */
    public static BitSet cpuset(int vcpu, String list) {
        BitSet set = new BitSet(CPU_SETSIZE);
        int start = -1;
        int token = 0;
        while (true) {
            CNum.Parsed p = CNum.strtol(list, token, 0);
            if (p.none(token)) throw new ConfigException("invalid cpuset for vcpu " + vcpu + ": '" + list + "'");
            long pcpu = p.overflow() ? -1 : p.value();
            if (pcpu < 0 || pcpu >= CPU_SETSIZE) {
                throw new ConfigException("hostcpu '" + pcpu + "' outside valid range from 0 to " + (CPU_SETSIZE - 1));
            }
            int end = p.end();
            char c = end < list.length() ? list.charAt(end) : '\0';
            switch (c) {
                case ',', '\0' -> {
                    if (start >= 0) {
                        if (start > pcpu) throw new ConfigException("Invalid hostcpu range " + start + "-" + pcpu);
                        set.set(start, (int) pcpu);
                        start = -1;
                    }
                    set.set((int) pcpu);
                }
                case '-' -> {
                    if (start >= 0) throw new ConfigException("invalid cpuset for vcpu " + vcpu + ": '" + list + "'");
                    start = (int) pcpu;
                }
                default -> throw new ConfigException("invalid cpuset for vcpu " + vcpu + ": '" + list + "'");
            }
            if (c == '\0') return set;
            token = end + 1;
        }
    }

    /** bhyve's build_vcpumaps: the pinned host CPUs of each vCPU below cpus that has a cpuset. */
    public static Map<Integer, BitSet> fromConfig(ConfigTree tree, int cpus) {
        Map<Integer, BitSet> out = new TreeMap<>();
        for (int vcpu = 0; vcpu < cpus; vcpu++) {
            String list = tree.get("vcpu." + vcpu + ".cpuset");
            if (list != null) out.put(vcpu, cpuset(vcpu, list));
        }
        return out;
    }
}
