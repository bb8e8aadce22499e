package org.jhyve.firmware;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jhyve.config.ConfigTree;

/**
 * The SMBIOS strings, keyed by their bhyve_config(5) variable names. The defaults are bhyve's:
 * FreeBSD guests recognise a virtual machine by the BIOS vendor "BHYVE" (the kernel's vm_guest
 * check), so jhyve keeps bhyve's identity unless the user overrides it.
 */
public record SmbiosStrings(Map<String, String> values) {
    public static final Map<String, String> DEFAULTS = defaults();

    public SmbiosStrings {
        for (String name : DEFAULTS.keySet()) {
            if (!values.containsKey(name)) throw new IllegalArgumentException("SMBIOS string " + name + " missing");
        }
        for (String name : values.keySet()) {
            if (!DEFAULTS.containsKey(name)) throw new IllegalArgumentException("unknown SMBIOS string " + name);
        }
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static SmbiosStrings defaultStrings() { return new SmbiosStrings(DEFAULTS); }

    /** Each variable from the tree when set there, else bhyve's default. */
    public static SmbiosStrings fromConfig(ConfigTree config) {
        Map<String, String> v = new LinkedHashMap<>();
        DEFAULTS.forEach((name, fallback) -> v.put(name, config.get(name, fallback)));
        return new SmbiosStrings(v);
    }

    public String get(String name) {
        String v = values.get(name);
        if (v == null) throw new IllegalArgumentException("unknown SMBIOS string " + name);
        return v;
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("bios.vendor", "BHYVE");
        d.put("bios.version", "14.0");
        d.put("bios.release_date", "10/17/2021");
        d.put("system.family_name", "Virtual Machine");
        d.put("system.manufacturer", "FreeBSD");
        d.put("system.product_name", "BHYVE");
        d.put("system.serial_number", "None");
        d.put("system.sku", "None");
        d.put("system.version", "1.0");
        d.put("board.manufacturer", "FreeBSD");
        d.put("board.product_name", "BHYVE");
        d.put("board.version", "1.0");
        d.put("board.serial_number", "None");
        d.put("board.asset_tag", "None");
        d.put("board.location", "None");
        d.put("chassis.manufacturer", "FreeBSD");
        d.put("chassis.version", "1.0");
        d.put("chassis.serial_number", "None");
        d.put("chassis.asset_tag", "None");
        d.put("chassis.sku", "None");
        return Collections.unmodifiableMap(d);
    }
}
