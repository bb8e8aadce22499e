package org.jhyve.mgmt.argv;

import java.util.List;
import java.util.Map;
import org.jhyve.mgmt.xml.Domain;

/** {@code <sysinfo type='smbios'>} entries to jhyve's SMBIOS variables, in libvirt's fixed order. */
final class Smbios {
    private Smbios() {}

    private record Key(String section, String entry, String variable) {}

    private static final List<Key> KEYS = List.of(
            new Key("bios", "vendor", "bios.vendor"),
            new Key("bios", "version", "bios.version"),
            new Key("bios", "date", "bios.release_date"),
            new Key("system", "manufacturer", "system.manufacturer"),
            new Key("system", "product", "system.product_name"),
            new Key("system", "serial", "system.serial_number"),
            new Key("system", "sku", "system.sku"),
            new Key("system", "version", "system.version"),
            new Key("system", "family", "system.family_name"),
            new Key("baseBoard", "manufacturer", "board.manufacturer"),
            new Key("baseBoard", "product", "board.product_name"),
            new Key("baseBoard", "version", "board.version"),
            new Key("baseBoard", "serial", "board.serial_number"),
            new Key("baseBoard", "asset", "board.asset_tag"),
            new Key("baseBoard", "location", "board.location"),
            new Key("chassis", "manufacturer", "chassis.manufacturer"),
            new Key("chassis", "version", "chassis.version"),
            new Key("chassis", "serial", "chassis.serial_number"),
            new Key("chassis", "asset", "chassis.asset_tag"),
            new Key("chassis", "sku", "chassis.sku"));

    static void options(Domain d, List<String> a) {
        if (d.sysinfo() == null) return;
        for (var k : KEYS) {
            var v = d.sysinfo().entry(k.section(), k.entry());
            // bhyve refuses -o with an empty value, so an empty entry keeps jhyve's default.
            if (v != null && !v.isEmpty()) {
                a.add("-o");
                a.add(k.variable() + "=" + v);
            }
        }
    }

    /** Variable name → (section, entry), for reading -o options back. */
    static Map<String, String[]> byVariable() {
        var m = new java.util.LinkedHashMap<String, String[]>();
        for (var k : KEYS) m.put(k.variable(), new String[] {k.section(), k.entry()});
        return m;
    }
}
