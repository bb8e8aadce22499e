package org.jhyve.config;

import java.util.Locale;

/**
 * -l lpcdev[,conf] (bhyve's lpc_device_parse; the device name is matched without regard to case):
 * comN,backend sets lpc.comN.path; bootrom,romfile[,varfile][,name=value...] sets lpc.bootrom,
 * lpc.bootvars and other lpc variables (fwcfg=qemu is given this way); tpm,type,path[,...] sets the
 * tpm node; pc-testdev sets lpc.pc-testdev=true.
 */
final class LpcOption {
    private LpcOption() {}

    static void parse(ConfigTree tree, String opts) {
        int comma = opts.indexOf(',');
        String dev = (comma < 0 ? opts : opts.substring(0, comma)).toLowerCase(Locale.ROOT);
        String rest = comma < 0 ? null : opts.substring(comma + 1);
        switch (dev) {
            case "bootrom" -> bootrom(tree, opts, rest);
            case "tpm" -> tpm(tree, opts, rest);
            case "com1", "com2", "com3", "com4" -> {
                // bhyve passes a missing backend on as a null value; refuse it instead
                if (rest == null) throw invalid(opts);
                tree.set("lpc." + dev + ".path", rest);
            }
            case "pc-testdev" -> tree.set("lpc.pc-testdev", "true");
            default -> throw invalid(opts);
        }
    }

    private static void bootrom(ConfigTree tree, String opts, String rest) {
        if (rest == null) throw new ConfigException("invalid bootrom option \"" + opts + "\"");
        String[] romAndMore = rest.split(",", 2);
        tree.set("lpc.bootrom", romAndMore[0]);
        if (romAndMore.length == 1) return;
        String[] varsAndMore = romAndMore[1].split(",", 2);
        String vars = varsAndMore[0];
        if (vars.indexOf('=') < 0) tree.set("lpc.bootvars", vars);
        else LegacyConfig.generic(tree, "lpc", vars);
        if (varsAndMore.length == 2) LegacyConfig.generic(tree, "lpc", varsAndMore[1]);
    }

    private static void tpm(ConfigTree tree, String opts, String rest) {
        String[] parts = rest == null ? new String[0] : rest.split(",", 3);
        if (parts.length < 1) throw new ConfigException("invalid tpm type \"" + opts + "\"");
        tree.set("tpm.type", parts[0]);
        if (parts.length < 2) throw new ConfigException("invalid tpm path \"" + opts + "\"");
        tree.set("tpm.path", parts[1]);
        if (parts.length == 3) LegacyConfig.generic(tree, "tpm", parts[2]);
        tree.setDefault("tpm.version", "2.0");
    }

    private static OptionException invalid(String opts) {
        return OptionException.badValue("invalid lpc device configuration '" + opts + "'");
    }
}
