package org.jhyve.config;

/**
 * The "conf" part of -s slot,emulation[,conf], turned into variables under the device's node the
 * way each bhyve device's pe_legacy_config does it (or pci_parse_legacy_config for devices without
 * one). conf is null when the option has no second comma. Errors are fatal (exit 4).
 */
final class LegacyConfig {
    /** VTCON_MAXPORTS */
    static final int VIRTIO_CONSOLE_MAX_PORTS = 16;
    /** AHCI MAX_PORTS */
    static final int AHCI_MAX_PORTS = 32;

    private LegacyConfig() {}

    static void apply(ConfigTree tree, String node, String emulation, String conf) {
        switch (emulation) {
            case "virtio-blk" -> block(tree, node, conf);
            case "virtio-net", "e1000" -> network(tree, node, conf);
            case "ahci" -> ahci(tree, node, conf);
            case "ahci-hd" -> ahciPort(tree, node + ".port", 0, "hd", conf);
            case "ahci-cd" -> ahciPort(tree, node + ".port", 0, "cd", conf);
            case "amd_hostbridge" -> {
                // bhyve ignores conf here and presents an AMD host bridge (the device ID is made up)
                tree.set(node + ".pcireg.vendor", "0x1022");
                tree.set(node + ".pcireg.device", "0x7432");
            }
            case "nvme" -> nvme(tree, node, conf);
            case "passthru" -> passthru(tree, node, conf);
            case "uart" -> { if (conf != null) tree.set(node + ".path", conf); }
            case "virtio-9p" -> ninep(tree, node, conf);
            case "virtio-console" -> console(tree, node, conf);
            case "virtio-input" -> {
                if (conf == null) throw new ConfigException("virtio-input: path required");
                firstTokenThenGeneric(tree, node, "path", conf);
            }
            case "virtio-scsi" -> { if (conf != null) firstTokenThenGeneric(tree, node, "dev", conf); }
            case "xhci" -> xhci(tree, node, conf);
            default -> generic(tree, node, conf);
        }
    }

    /**
     * pci_parse_legacy_config: a comma list of name=value, or a bare name meaning true. An empty
     * item (",,") is skipped; bhyve would store a variable with an empty name.
     */
    static void generic(ConfigTree tree, String node, String conf) {
        if (conf == null) return;
        for (String item : conf.split(",", -1)) {
            int eq = item.indexOf('=');
            if (eq >= 0) setIn(tree, node, item.substring(0, eq), item.substring(eq + 1));
            else setIn(tree, node, item, "true");
        }
    }

    /** set_config_value_node: one name inside node; a dotted name is refused as bhyve does. */
    static void setIn(ConfigTree tree, String node, String name, String value) {
        if (name.isEmpty()) return;
        if (name.indexOf('.') >= 0) throw new ConfigException("Invalid config node name " + name);
        tree.set(node + "." + name, value);
    }

    /** blockif_legacy_config: path[,options]. */
    static void block(ConfigTree tree, String node, String conf) {
        if (conf != null) firstTokenThenGeneric(tree, node, "path", conf);
    }

    private static void firstTokenThenGeneric(ConfigTree tree, String node, String key, String conf) {
        int comma = conf.indexOf(',');
        tree.set(node + "." + key, comma < 0 ? conf : conf.substring(0, comma));
        if (comma >= 0) generic(tree, node, conf.substring(comma + 1));
    }

    /** netbe_legacy_config: backend[,options], unless the first item already is name=value. */
    static void network(ConfigTree tree, String node, String conf) {
        if (conf == null) return;
        int comma = conf.indexOf(',');
        int eq = conf.indexOf('=');
        if (eq >= 0 && (comma < 0 || eq < comma)) generic(tree, node, conf);
        else firstTokenThenGeneric(tree, node, "backend", conf);
    }

    /** pci_ahci_legacy_config: ports "hd:path[,opts]" / "cd:path[,opts]", numbered from 0. */
    static void ahci(ConfigTree tree, String node, String conf) {
        if (conf == null) return;
        String str = conf;
        for (int p = 0; p < AHCI_MAX_PORTS && str != null; p++) {
            String type = null;
            if (str.startsWith("hd:")) type = "hd";
            else if (str.startsWith("cd:")) type = "cd";
            if (type != null) str = str.substring(3);
            // the next port starts at ",hd:" or ",cd:", whichever comes first
            int hd = str.indexOf(",hd:");
            int cd = str.indexOf(",cd:");
            int next = hd < 0 ? cd : cd < 0 ? hd : Math.min(hd, cd);
            String port = next < 0 ? str : str.substring(0, next);
            str = next < 0 ? null : str.substring(next + 1);
            if (port.isEmpty()) continue;
            if (type == null) {
                throw new ConfigException("Missing or invalid type for port " + p + ": \"" + port + "\"");
            }
            ahciPort(tree, node + ".port", p, type, port);
        }
    }

    private static void ahciPort(ConfigTree tree, String ports, int p, String type, String conf) {
        String port = ports + "." + p;
        tree.set(port + ".type", type);
        block(tree, port, conf);
    }

    /** pci_nvme_legacy_config: ram=MiB[,options] or a block device path[,options]. */
    static void nvme(ConfigTree tree, String node, String conf) {
        if (conf == null) return;
        if (conf.startsWith("ram=")) firstTokenThenGeneric(tree, node, "ram", conf.substring(4));
        else block(tree, node, conf);
    }

    /** passthru_legacy_config: pptN, pci0:B:S:F, pciB:S:F or B/S/F, then options. */
    static void passthru(ConfigTree tree, String node, String conf) {
        if (conf == null) return;
        int comma = conf.indexOf(',');
        int[] bsf = new int[3];
        if (conf.startsWith("ppt")) {
            tree.set(node + ".pptdev", comma < 0 ? conf : conf.substring(0, comma));
        } else if (CNum.sscanf(conf, "pci0:%d:%d:%d", bsf) == 3 || CNum.sscanf(conf, "pci%d:%d:%d", bsf) == 3
                || CNum.sscanf(conf, "%d/%d/%d", bsf) == 3) {
            tree.set(node + ".bus", Integer.toString(bsf[0]));
            tree.set(node + ".slot", Integer.toString(bsf[1]));
            tree.set(node + ".func", Integer.toString(bsf[2]));
        } else {
            throw new ConfigException("passthru: invalid options \"" + conf + "\"");
        }
        if (comma >= 0) generic(tree, node, conf.substring(comma + 1));
    }

    /** pci_vt9p_legacy_config: sharename=path plus bare flags such as ro. */
    static void ninep(ConfigTree tree, String node, String conf) {
        if (conf == null) return;
        boolean shared = false;
        for (String item : conf.split(",", -1)) {
            int eq = item.indexOf('=');
            if (eq >= 0) {
                if (shared) throw new ConfigException("virtio-9p: more than one share name given");
                shared = true;
                tree.set(node + ".sharename", item.substring(0, eq));
                tree.set(node + ".path", item.substring(eq + 1));
            } else {
                setIn(tree, node, item, "true");
            }
        }
    }

    /** pci_vtcon_legacy_config: name=path per port, ports numbered from 0, at most 16. */
    static void console(ConfigTree tree, String node, String conf) {
        if (conf == null) return;
        int port = 0;
        for (String item : conf.split(",", -1)) {
            int eq = item.indexOf('=');
            if (eq < 0) throw new ConfigException("vtcon: port " + item + " requires a path");
            if (port >= VIRTIO_CONSOLE_MAX_PORTS) throw new ConfigException("vtcon: too many ports");
            String p = node + ".port." + port;
            tree.set(p + ".name", item.substring(0, eq));
            tree.set(p + ".path", item.substring(eq + 1));
            port++;
        }
    }

    /** pci_xhci_legacy_config: device[=option] per USB slot, slots numbered from 1. */
    static void xhci(ConfigTree tree, String node, String conf) {
        if (conf == null) return;
        int slot = 1;
        for (String item : conf.split(",", -1)) {
            int eq = item.indexOf('=');
            String slotNode = node + ".slot." + slot++;
            tree.set(slotNode + ".device", eq < 0 ? item : item.substring(0, eq));
            if (eq >= 0 && eq + 1 < item.length()) generic(tree, slotNode, item.substring(eq + 1));
        }
    }
}
