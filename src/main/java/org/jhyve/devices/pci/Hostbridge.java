package org.jhyve.devices.pci;

import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;

/**
 * bhyve's host bridge: a bare function of class 0x060000 with no BARs. Vendor and device come from
 * pcireg.vendor / pcireg.device in its node (bhyve's own 0x1275:0x1275 by default;
 * amd_hostbridge is 0x1022:0x7432). Like bhyve it carries a PCI Express root port capability so
 * guests treat the hierarchy as PCIe and use the ECAM window.
 */
public final class Hostbridge extends PciDevice {
    public static final int BHYVE_VENDOR = 0x1275, BHYVE_DEVICE = 0x1275;
    public static final int AMD_VENDOR = 0x1022, AMD_DEVICE = 0x7432;
    public static final int CLASS_HOST_BRIDGE = 0x060000;
    private static final int CAP_PCIE = 0x10, PCIE_ROOT_PORT = 0x4 << 4, PCIE_CAP_VERSION = 2;

    public Hostbridge(int vendor, int device) {
        super("hostbridge", PciConfigSpace.type0(vendor, device, CLASS_HOST_BRIDGE, 0));
        byte[] pcie = new byte[58];   // a 60-byte PCIe capability (v2), all but the flags zero
        pcie[0] = (byte) (PCIE_CAP_VERSION | PCIE_ROOT_PORT);
        config.addCapability(CAP_PCIE, pcie);
    }

    /** Reads pcireg.vendor / pcireg.device from node, with the given defaults. */
    public static Hostbridge fromConfig(ConfigTree config, String node, int defaultVendor, int defaultDevice) {
        return new Hostbridge(id(config, node + ".pcireg.vendor", defaultVendor),
                id(config, node + ".pcireg.device", defaultDevice));
    }

    private static int id(ConfigTree config, String name, int fallback) {
        long v = config.getLong(name, fallback);
        if (v < 0 || v > 0xFFFF) throw new ConfigException(String.format("invalid %s: 0x%x is not a 16-bit ID", name, v));
        return (int) v;
    }
}
