package org.jhyve.devices;

import org.jhyve.config.ConfigException;
import org.jhyve.devices.lpc.LpcBridge;
import org.jhyve.devices.pci.Hostbridge;
import org.jhyve.devices.pci.PciDevice;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PCI emulation names (what {@code -s slot,NAME} and {@code pci.B.S.F.device} say) mapped to the
 * factories that build them, plus the LPC device names of {@code -l}. bhyve's emulations that
 * jhyve lacks are known by name so that using one fails with a clear message rather than
 * "unknown device", and the help listings mark them. Other packages add their emulations with
 * {@link #register}.
 */
public final class DeviceRegistry {
    /** Builds a device for the node ctx.node() (e.g. "pci.0.3.0"). */
    @FunctionalInterface
    public interface PciFactory {
        PciDevice create(DeviceContext ctx);
    }

    /** bhyve's amd64 PCI emulations, in bhyve(8)'s order. */
    public static final List<String> BHYVE_PCI = List.of("hostbridge", "amd_hostbridge", "passthru", "virtio-net",
            "virtio-blk", "virtio-scsi", "virtio-9p", "virtio-rnd", "virtio-console", "virtio-input", "ahci", "ahci-cd",
            "ahci-hd", "e1000", "uart", "lpc", "fbuf", "xhci", "nvme", "hda");
    /** bhyve's LPC devices, as {@code -l help} lists them. */
    public static final List<String> BHYVE_LPC = List.of("bootrom", "com1", "com2", "com3", "com4", "pc-testdev");

    private final Map<String, PciFactory> pci = new LinkedHashMap<>();
    private final Set<String> lpc = new LinkedHashSet<>();

    /** The registry with what this package provides: host bridges, the LPC bridge, COM1-4, pc-testdev. */
    public static DeviceRegistry standard() {
        DeviceRegistry r = new DeviceRegistry();
        r.register("hostbridge", ctx -> Hostbridge.fromConfig(ctx.config(), ctx.node(),
                Hostbridge.BHYVE_VENDOR, Hostbridge.BHYVE_DEVICE));
        r.register("amd_hostbridge", ctx -> Hostbridge.fromConfig(ctx.config(), ctx.node(),
                Hostbridge.AMD_VENDOR, Hostbridge.AMD_DEVICE));
        r.register("lpc", LpcBridge::new);
        r.register("virtio-blk", org.jhyve.devices.virtio.VirtioBlk::create);
        r.register("virtio-rnd", org.jhyve.devices.virtio.VirtioRnd::create);
        r.register("virtio-console", org.jhyve.devices.virtio.VirtioConsole::create);
        r.register("e1000", org.jhyve.devices.e1000.E1000::create);
        r.register("virtio-net", org.jhyve.devices.virtio.VirtioNet::create);
        for (String name : List.of("com1", "com2", "com3", "com4", "pc-testdev")) r.registerLpc(name);
        return r;
    }

    public synchronized void register(String emulation, PciFactory factory) {
        if (pci.putIfAbsent(emulation, factory) != null) throw new IllegalStateException("PCI emulation " + emulation + " registered twice");
    }

    /** Marks an LPC device name as implemented (bootrom, once the VM core loads boot ROMs). */
    public synchronized void registerLpc(String name) { lpc.add(name); }

    public synchronized boolean isImplemented(String emulation) { return pci.containsKey(emulation); }

    /**
     * Creates the device configured at pci.B.S.F (ctx.node()). Refuses a missing device variable,
     * an unknown name, and a bhyve emulation jhyve does not implement yet.
     */
    public PciDevice create(DeviceContext ctx, int bus, int slot, int function) {
        String where = bus + ":" + slot + ":" + function;
        String emulation = ctx.get("device");
        if (emulation == null) throw new ConfigException("pci slot " + where + ": missing \"device\" value");
        PciFactory f;
        synchronized (this) {
            f = pci.get(emulation);
        }
        if (f == null) {
            if (BHYVE_PCI.contains(emulation)) {
                throw new ConfigException("pci " + where + ": emulation '" + emulation + "' is not implemented in jhyve yet");
            }
            throw new ConfigException("pci slot " + where + ": unknown device \"" + emulation + "\"");
        }
        return f.create(ctx);
    }

    /** The {@code -s help} listing: implemented emulations, then bhyve's missing ones marked. */
    public synchronized String pciHelp() {
        StringBuilder sb = new StringBuilder();
        for (String name : pci.keySet()) sb.append(name).append('\n');
        for (String name : BHYVE_PCI) {
            if (!pci.containsKey(name)) sb.append(name).append(" (not implemented in jhyve yet)\n");
        }
        return sb.toString();
    }

    /** The {@code -l help} listing, in bhyve's order, missing ones marked. */
    public synchronized String lpcHelp() {
        StringBuilder sb = new StringBuilder();
        Set<String> all = new LinkedHashSet<>(BHYVE_LPC);
        all.addAll(lpc);
        for (String name : all) {
            sb.append(name);
            if (!lpc.contains(name)) sb.append(" (not implemented in jhyve yet)");
            sb.append('\n');
        }
        return sb.toString();
    }
}
