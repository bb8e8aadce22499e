package org.jhyve.mgmt.argv;

import java.util.regex.Pattern;
import org.jhyve.mgmt.xml.DomainXmlException;

/** Target names to drive positions, as libvirt derives them: hda/sda/vda → 0, hdab → 27, nvme1n1 → controller 1. */
final class DiskNames {
    private static final Pattern LETTERS = Pattern.compile("(hd|sd|vd|xvd|ubd)([a-z]+)");
    private static final Pattern NVME = Pattern.compile("nvme(\\d+)n(\\d+)");

    private DiskNames() {}

    /** The index encoded in the letters after the prefix. */
    static int index(String dev) throws DomainXmlException {
        var m = LETTERS.matcher(dev);
        if (!m.matches()) throw unknown(dev);
        int idx = 0;
        for (char c : m.group(2).toCharArray()) {
            idx = idx * 26 + (c - 'a' + 1);
            if (idx > 100_000) throw unknown(dev);
        }
        return idx - 1;
    }

    /** {controller, namespace} of an nvmeXnY name. */
    static int[] nvme(String dev) throws DomainXmlException {
        var m = NVME.matcher(dev);
        if (!m.matches()) throw unknown(dev);
        try {
            int ns = Integer.parseInt(m.group(2));
            if (ns < 1) throw unknown(dev);
            return new int[] {Integer.parseInt(m.group(1)), ns};
        } catch (NumberFormatException e) {
            throw unknown(dev);
        }
    }

    private static DomainXmlException unknown(String dev) {
        return DomainXmlException.xml("Unknown disk name '" + dev + "' and no address specified");
    }
}
