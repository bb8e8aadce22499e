package org.jhyve.mgmt.xml;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code <sysinfo type='smbios'>}: sections bios, system, baseBoard and chassis, each a list of
 * {@code <entry name>} values kept in document order.
 */
public record Sysinfo(String type, Map<String, Map<String, String>> sections) {
    public Sysinfo {
        var copy = new LinkedHashMap<String, Map<String, String>>();
        sections.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        sections = Collections.unmodifiableMap(copy);
    }

    public String entry(String section, String name) {
        var s = sections.get(section);
        return s == null ? null : s.get(name);
    }
}
