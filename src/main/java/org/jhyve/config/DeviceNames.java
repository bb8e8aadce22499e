package org.jhyve.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The device names bhyve (amd64) knows. A name in these tables parses; whether jhyve implements
 * the device is decided when devices are created, not here.
 */
public final class DeviceNames {
    private DeviceNames() {}

    /** PCI emulations accepted by -s, in the order bhyve's -s help lists its sources. */
    public static final List<String> PCI = List.of(
            "ahci", "ahci-hd", "ahci-cd",
            "e1000",
            "fbuf",
            "hda",
            "amd_hostbridge", "hostbridge",
            "lpc",
            "nvme",
            "passthru",
            "uart",
            "virtio-9p",
            "virtio-blk",
            "virtio-console",
            "virtio-input",
            "virtio-net",
            "virtio-rnd",
            "virtio-scsi",
            "xhci");

    /** Emulation names that configure another device (bhyve's pe_alias): the node's device value. */
    public static final Map<String, String> PCI_ALIASES = Map.of(
            "ahci-hd", "ahci",
            "ahci-cd", "ahci",
            "amd_hostbridge", "hostbridge");

    /** LPC devices accepted by -l (matched without regard to case), as -l help lists them. */
    public static final List<String> LPC = List.of("bootrom", "com1", "com2", "com3", "com4", "tpm", "pc-testdev");

    public static boolean isPci(String name) { return PCI.contains(name); }

    public static boolean isLpc(String name) { return LPC.contains(name.toLowerCase(Locale.ROOT)); }

    /** The value of pci.B.S.F.device for an emulation name given to -s. */
    public static String pciDevice(String emulation) {
        return PCI_ALIASES.getOrDefault(emulation, emulation);
    }
}
