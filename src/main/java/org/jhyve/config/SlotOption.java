package org.jhyve.config;

/**
 * -s slot,emulation[,conf] (bhyve's pci_parse_slot). slot is "S", "S:F" or "B:S:F" in C's %d
 * syntax (characters after the numbers are ignored, as sscanf does), with bus 0-255, slot 0-31,
 * function 0-7. The device goes to node pci.B.S.F with variable device; conf is parsed by
 * {@link LegacyConfig}. Errors are fatal (exit 4).
 */
final class SlotOption {
    static final int MAX_BUS = 255, MAX_SLOT = 31, MAX_FUNC = 7;

    private SlotOption() {}

    static void parse(ConfigTree tree, String opt) {
        int comma = opt.indexOf(',');
        if (comma < 0) throw invalidField(opt);
        String slot = opt.substring(0, comma);
        String rest = opt.substring(comma + 1);
        int comma2 = rest.indexOf(',');
        String emulation = comma2 < 0 ? rest : rest.substring(0, comma2);
        String conf = comma2 < 0 ? null : rest.substring(comma2 + 1);

        int[] v = new int[3];
        int bus, dev, func;
        if (CNum.sscanf(slot, "%d:%d:%d", v) == 3) {
            bus = v[0];
            dev = v[1];
            func = v[2];
        } else if (CNum.sscanf(slot, "%d:%d", v) == 2) {
            bus = 0;
            dev = v[0];
            func = v[1];
        } else {
            bus = 0;
            func = 0;
            dev = CNum.sscanf(slot, "%d", v) == 1 ? v[0] : -1;
        }
        if (bus < 0 || bus > MAX_BUS || dev < 0 || dev > MAX_SLOT || func < 0 || func > MAX_FUNC) {
            throw invalidField(opt);
        }
        String where = "pci slot " + bus + ":" + dev + ":" + func;
        if (!DeviceNames.isPci(emulation)) throw new ConfigException(where + ": unknown device \"" + emulation + "\"");
        String node = "pci." + bus + "." + dev + "." + func;
        if (tree.hasNode(node) || tree.has(node)) throw new ConfigException(where + " already occupied!");
        tree.set(node + ".device", DeviceNames.pciDevice(emulation));
        LegacyConfig.apply(tree, node, emulation, conf);
    }

    private static ConfigException invalidField(String opt) {
        return new ConfigException("Invalid PCI slot info field \"" + opt + "\"");
    }
}
