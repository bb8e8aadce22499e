package org.jhyve.mgmt.xml;

import java.util.List;

/**
 * {@code <os firmware>}: type (hvm), optional arch and machine, firmware ('efi' picks a boot ROM from
 * the firmware directory), loader, nvram and the {@code <boot dev>} list.
 */
public record Os(String type, String arch, String machine, String firmware, Loader loader, Nvram nvram,
                 List<String> bootDevs) {
    public Os {
        bootDevs = List.copyOf(bootDevs);
    }

    public static Os hvm() { return new Os("hvm", null, null, null, null, null, List.of()); }

    public Os withLoader(Loader l, Nvram n) { return new Os(type, arch, machine, firmware, l, n, bootDevs); }
}
