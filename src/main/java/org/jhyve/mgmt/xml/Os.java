package org.jhyve.mgmt.xml;

import java.util.List;

/**
 * {@code <os firmware>}: type (hvm), optional arch and machine, firmware ('efi' picks a boot ROM from
 * the firmware directory), loader, nvram, the {@code <boot dev>} list, and libvirt's direct kernel
 * boot elements {@code <kernel>}, {@code <initrd>}, {@code <cmdline>} (null when absent), which
 * jhyve loads itself instead of running a loader.
 */
public record Os(String type, String arch, String machine, String firmware, Loader loader, Nvram nvram,
                 List<String> bootDevs, String kernel, String initrd, String cmdline) {
    public Os {
        bootDevs = List.copyOf(bootDevs);
    }

    public Os(String type, String arch, String machine, String firmware, Loader loader, Nvram nvram,
              List<String> bootDevs) {
        this(type, arch, machine, firmware, loader, nvram, bootDevs, null, null, null);
    }

    public static Os hvm() { return new Os("hvm", null, null, null, null, null, List.of()); }

    public Os withLoader(Loader l, Nvram n) {
        return new Os(type, arch, machine, firmware, l, n, bootDevs, kernel, initrd, cmdline);
    }

    public Os withKernel(String k, String i, String c) {
        return new Os(type, arch, machine, firmware, loader, nvram, bootDevs, k, i, c);
    }

    /** Direct kernel boot: the domain names a kernel for jhyve (or jhyveload) to load. */
    public boolean directKernel() { return kernel != null; }
}
