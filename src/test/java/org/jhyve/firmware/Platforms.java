package org.jhyve.firmware;

import java.util.List;
import org.jhyve.config.ConfigTree;

/** Platforms for the tests: a bhyve-like command line turned into a PlatformInfo. */
public final class Platforms {
    public static final CpuIdentity CPU = new CpuIdentity("GenuineIntel", "Test CPU @ 2.00GHz", 0x000906EA, 0x178BFBFF);
    public static final String HOST = "testhost";

    private Platforms() {}

    /** hostbridge at 0, lpc at 31 (COM1 and COM2), virtio devices at 2, 3 and 4 (4 has two functions). */
    public static ConfigTree config(String cpus, String memory) {
        ConfigTree c = new ConfigTree();
        c.set("name", "testvm");
        c.set("cpus", cpus);
        c.set("memory.size", memory);
        c.set("pci.0.0.0.device", "hostbridge");
        c.set("pci.0.31.0.device", "lpc");
        c.set("lpc.com1.path", "stdio");
        c.set("lpc.com2.path", "/dev/nmdm0A");
        c.set("pci.0.2.0.device", "virtio-blk");
        c.set("pci.0.3.0.device", "virtio-net");
        c.set("pci.0.4.0.device", "ahci");
        c.set("pci.0.4.1.device", "virtio-rnd");
        return c;
    }

    public static List<PciFunction> bus0() {
        return List.of(new PciFunction(0, 0, 0), new PciFunction(31, 0, 0), new PciFunction(2, 0, 1),
                new PciFunction(3, 0, 1), new PciFunction(4, 0, 1), new PciFunction(4, 1, 2));
    }

    public static PlatformInfo of(ConfigTree c) {
        return PlatformInfo.fromConfig(c, bus0(), CPU, () -> HOST);
    }

    public static PlatformInfo standard() { return of(config("2", "512M")); }
}
