package org.jhyve.mgmt.argv;

import java.util.TreeSet;
import java.util.SortedSet;
import org.jhyve.mgmt.xml.DomainXmlException;

/** libvirt's cpuset syntax: comma-separated CPUs and ranges, "^N" removes one ("0-3,^2,6"). */
public final class CpuSet {
    private CpuSet() {}

    public static SortedSet<Integer> parse(String spec) throws DomainXmlException {
        var set = new TreeSet<Integer>();
        var removed = new TreeSet<Integer>();
        try {
            for (var part : spec.split(",")) {
                var p = part.strip();
                if (p.startsWith("^")) {
                    removed.add(cpu(p.substring(1)));
                } else if (p.contains("-")) {
                    int dash = p.indexOf('-');
                    int from = cpu(p.substring(0, dash)), to = cpu(p.substring(dash + 1));
                    if (from > to) throw new NumberFormatException();
                    for (int i = from; i <= to; i++) set.add(i);
                } else {
                    set.add(cpu(p));
                }
            }
        } catch (NumberFormatException e) {
            throw DomainXmlException.xml("invalid cpuset '" + spec + "'");
        }
        set.removeAll(removed);
        if (set.isEmpty()) throw DomainXmlException.xml("cpuset '" + spec + "' selects no CPU");
        return set;
    }

    private static int cpu(String s) {
        int v = Integer.parseInt(s.strip());
        if (v < 0 || v > 4095) throw new NumberFormatException();
        return v;
    }
}
