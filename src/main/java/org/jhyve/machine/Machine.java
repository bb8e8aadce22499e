package org.jhyve.machine;

import org.jhyve.boot.BootException;
import org.jhyve.boot.ElfImage;
import org.jhyve.boot.MemoryMapEntry;
import org.jhyve.boot.PvhBoot;
import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;
import org.jhyve.config.CpuPinning;
import org.jhyve.config.Sizes;
import org.jhyve.config.Topology;
import org.jhyve.devices.DeviceContext;
import org.jhyve.devices.DeviceRegistry;
import org.jhyve.devices.HostHooks;
import org.jhyve.devices.Platform;
import org.jhyve.devices.pci.PciDevice;
import org.jhyve.firmware.Blob;
import org.jhyve.firmware.E820Entry;
import org.jhyve.firmware.Firmware;
import org.jhyve.firmware.FirmwareImage;
import org.jhyve.firmware.PciFunction;
import org.jhyve.firmware.PlatformInfo;
import org.jhyve.vm.MachineSpec;
import org.jhyve.vm.Vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One guest, assembled from the configuration tree in bhyve's order: the VM core, the devices
 * each reading its own node, BAR assignment, firmware tables, then the boot image. What is not
 * implemented is refused here, before anything runs.
 */
public final class Machine implements AutoCloseable {
    private final ConfigTree config;
    private final Vm vm;
    private final Platform platform;

    private Machine(ConfigTree config, Vm vm, Platform platform) {
        this.config = config;
        this.vm = vm;
        this.platform = platform;
    }

    public Vm vm() { return vm; }

    public Platform platform() { return platform; }

    /** Checks what jhyve cannot do yet, so the user hears it before a VM exists. */
    static void refuseUnimplemented(ConfigTree c) {
        if (c.getLong("gdb.port", 0) != 0) throw new ConfigException("the GDB debug server (-G, gdb.port) is not implemented in jhyve yet");
        if (c.has("lpc.bootrom")) throw new ConfigException("boot ROMs (-l bootrom, lpc.bootrom) are not implemented in jhyve yet");
    }

    public static MachineSpec spec(ConfigTree c) {
        String name = c.get("name");
        Topology topo = Topology.fromConfig(c);
        long mem = Sizes.parseMemory(c.get("memory.size", "256M"));
        if ((mem & 0xFFF) != 0) throw new ConfigException("memory size " + mem + " is not a multiple of the 4 KiB page size");
        return new MachineSpec(name, mem, topo, c.getBool("x86.x2apic", false), c.getBool("x86.strictio", false),
                c.getBool("x86.strictmsr", true), c.getBool("memory.wired", false), c.getBool("memory.guest_in_core", false),
                c.getBool("x86.vmexit_on_pause", false), CpuPinning.fromConfig(c, topo.cpus()));
    }

    /**
     * Refuses a bhyve emulation jhyve lacks before /dev/kvm is opened, with the registry's own
     * message, so that the refusal does not depend on the host having KVM.
     */
    static void refuseUnimplementedDevices(ConfigTree c, DeviceRegistry registry) {
        for (String bus : c.children("pci")) {
            for (String slot : c.children("pci." + bus)) {
                for (String fn : c.children("pci." + bus + "." + slot)) {
                    String device = c.get("pci." + bus + "." + slot + "." + fn + ".device");
                    if (device != null && DeviceRegistry.BHYVE_PCI.contains(device) && !registry.isImplemented(device)) {
                        throw new ConfigException("pci " + bus + ":" + slot + ":" + fn + ": emulation '" + device
                                + "' is not implemented in jhyve yet");
                    }
                }
            }
        }
    }

    public static Machine create(ConfigTree config, DeviceRegistry registry, HostHooks hooks) {
        refuseUnimplemented(config);
        refuseUnimplementedDevices(config, registry);
        String kernel = config.get("jhyve.kernel");
        if (kernel == null) {
            throw new ConfigException("VM '" + config.get("name") + "' cannot be booted: no kernel was loaded"
                    + " (set jhyve.kernel, or use jhyveload) and boot ROMs are not implemented yet");
        }
        byte[] image;
        try {
            image = Files.readAllBytes(Path.of(kernel));
        } catch (NoSuchFileException e) {
            throw new BootException("cannot read kernel " + kernel + ": No such file or directory");
        } catch (IOException e) {
            throw new BootException("cannot read kernel " + kernel + ": " + e.getMessage());
        }
        // a file that is no ELF image is refused before /dev/kvm is opened (PvhBoot.load parses it again)
        ElfImage.parse(image, kernel);
        MachineSpec spec = spec(config);
        Vm vm = new Vm(spec);
        Platform platform = null;
        try {
            DeviceContext ctx = new DeviceContext(config, "", vm.pio(), vm.mmio(), vm::irqLine, vm.msiSink(), vm,
                    vm.memory().lowSize(), vm.memory().highSize(), hooks, null, vm.memory(), vm.fastIo());
            platform = Platform.build(ctx, registry);
            FirmwareImage fw = Firmware.build(PlatformInfo.fromConfig(config, bus0Functions(platform)));
            for (Blob b : fw.blobs()) vm.memory().write(b.guestAddress(), b.bytes());
            List<MemoryMapEntry> map = new ArrayList<>();
            for (E820Entry e : fw.e820().entries()) map.add(new MemoryMapEntry(e.address(), e.length(), e.type().code));
            PvhBoot.Entry entry = PvhBoot.load(vm.memory(), image, kernel, config.get("jhyve.cmdline", ""),
                    fw.rsdpAddress(), map);
            vm.setBspSetup(v -> PvhBoot.setupBsp(v, entry));
            return new Machine(config, vm, platform);
        } catch (RuntimeException e) {
            if (platform != null) platform.close();
            vm.close();
            throw e;
        }
    }

    private static List<PciFunction> bus0Functions(Platform platform) {
        List<PciFunction> out = new ArrayList<>();
        for (PciDevice d : platform.pci().devices()) {
            if (d.bus() == 0) out.add(new PciFunction(d.slot(), d.function(), d.intxPin()));
        }
        return out;
    }

    /** Runs the guest to its end. */
    public Vm.Outcome run() {
        platform.start();
        return vm.run();
    }

    /** SIGTERM: press the ACPI power button; false when the guest has not enabled ACPI. */
    public boolean powerButton() {
        return platform.pressPowerButton();
    }

    /**
     * Ends the device back ends only (flush, terminal modes), for a process about to exit: the
     * kernel tears the VM and its memory down at exit anyway, and doing it here first only
     * delays the exit (15-30 ms for a 128 MiB guest).
     */
    public void closeDevices() {
        platform.close();
    }

    @Override
    public void close() {
        platform.close();
        vm.close();
    }
}
