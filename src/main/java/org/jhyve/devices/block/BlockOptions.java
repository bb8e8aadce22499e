package org.jhyve.devices.block;

import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;

/**
 * bhyve's block-device variables of one device node (bhyve_config(5)): path, ro, nocache
 * (O_DIRECT), sync/direct (O_SYNC), sectorsize=logical[/physical], nodelete, bootindex, plus
 * virtio-blk's ser. Sector sizes of 0 mean "take them from the back end".
 */
public record BlockOptions(String path, boolean readOnly, boolean noCache, boolean sync, int logicalSector,
                           int physicalSector, boolean noDelete, String serial, Integer bootIndex) {

    public static BlockOptions fromConfig(ConfigTree c, String node) {
        String path = c.get(node + ".path");
        if (path == null || path.isEmpty()) throw new ConfigException(node + ": block device needs a path");
        boolean sync = c.getBool(node + ".sync", false) || c.getBool(node + ".direct", false);
        int logical = 0, physical = 0;
        String ss = c.get(node + ".sectorsize");
        if (ss != null) {
            String[] parts = ss.split("/", -1);
            try {
                logical = Integer.parseInt(parts[0]);
                physical = parts.length > 1 ? Integer.parseInt(parts[1]) : logical;
            } catch (NumberFormatException e) {
                throw new ConfigException("Invalid sector size \"" + ss + "\"");
            }
            if (parts.length > 2 || logical < 512 || Integer.bitCount(logical) != 1 || Integer.bitCount(physical) != 1
                    || logical > physical || physical > 65536) {
                throw new ConfigException("Invalid sector size " + logical + "/" + physical);
            }
        }
        Integer boot = null;
        String bi = c.get(node + ".bootindex");
        if (bi != null) {
            try {
                boot = Integer.parseInt(bi);
            } catch (NumberFormatException e) {
                throw new ConfigException(node + ": invalid bootindex \"" + bi + "\"");
            }
            if (boot < 0) throw new ConfigException(node + ": invalid bootindex " + boot);
        }
        return new BlockOptions(path, c.getBool(node + ".ro", false), c.getBool(node + ".nocache", false), sync,
                logical, physical, c.getBool(node + ".nodelete", false), c.get(node + ".ser"), boot);
    }
}
