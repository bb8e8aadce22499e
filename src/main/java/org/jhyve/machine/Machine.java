package org.jhyve.machine;

import org.jhyve.boot.BootCpu;
import org.jhyve.boot.BootEntry;
import org.jhyve.boot.BootState;
import org.jhyve.boot.KernelLoader;
import org.jhyve.boot.MemoryMapEntry;
import org.jhyve.ctl.ControlServer;
import org.jhyve.sys.StartupTrace;
import org.jhyve.firmware.CpuIdentity;
import org.jhyve.firmware.E820Map;
import org.jhyve.firmware.Layout;
import org.jhyve.home.HomeException;
import org.jhyve.home.HomeOwner;
import org.jhyve.home.HomeState;
import org.jhyve.home.HomeStatus;
import org.jhyve.home.VmHome;
import org.jhyve.home.VmHomes;
import org.jhyve.vm.CpuidMask;
import org.jhyve.vm.ExitStatus;
import org.jhyve.vm.GuestMemory;
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
    private final HomeOwner owner;
    private volatile boolean destroyRequested;
    private ControlServer control;

    private Machine(ConfigTree config, Vm vm, Platform platform, HomeOwner owner) {
        this.config = config;
        this.vm = vm;
        this.platform = platform;
        this.owner = owner;
    }

    public HomeOwner home() { return owner; }

    public Vm vm() { return vm; }

    public Platform platform() { return platform; }

    /** Checks what jhyve cannot do yet, so the user hears it before a VM exists. */
    static void refuseUnimplemented(ConfigTree c) {
        if (c.getLong("gdb.port", 0) != 0) throw new ConfigException("the GDB debug server (-G, gdb.port) is not implemented in jhyve yet");
        if (c.has("lpc.bootrom")) throw new ConfigException("boot ROMs (-l bootrom, lpc.bootrom) are not implemented in jhyve yet");
    }

    /** jhyve.syscall_fix: auto (the default: where the host's KVM is the PVM module), true or false. */
    static boolean syscallFix(ConfigTree c) {
        String v = c.get("jhyve.syscall_fix", "auto");
        if (v.equals("auto")) return org.jhyve.vm.Vm.hostLosesSyscalls();
        return c.getBool("jhyve.syscall_fix", false);
    }

    public static MachineSpec spec(ConfigTree c) {
        String name = c.get("name");
        Topology topo = Topology.fromConfig(c);
        long mem = Sizes.parseMemory(c.get("memory.size", "256M"));
        if ((mem & 0xFFF) != 0) throw new ConfigException("memory size " + mem + " is not a multiple of the 4 KiB page size");
        return new MachineSpec(name, mem, topo, c.getBool("x86.x2apic", false), c.getBool("x86.strictio", false),
                c.getBool("x86.strictmsr", true), c.getBool("memory.wired", false), c.getBool("memory.guest_in_core", false),
                c.getBool("x86.vmexit_on_pause", false), CpuPinning.fromConfig(c, topo.cpus()),
                CpuidMask.parse(c.get("jhyve.cpuid.clear")), syscallFix(c));
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
        return create(config, registry, hooks, VmHomes.fromEnvironment());
    }

    /**
     * Builds the machine for the VM named in the tree. With {@code jhyve.kernel} set, the home is
     * created (or reinitialised) and the kernel loaded into it first (the one-step form);
     * otherwise jhyve attaches to what jhyveload prepared. This process then owns the home until
     * {@link #close}.
     */
    public static Machine create(ConfigTree config, DeviceRegistry registry, HostHooks hooks, VmHomes homes) {
        refuseUnimplemented(config);
        refuseUnimplementedDevices(config, registry);
        MachineSpec spec = spec(config);
        VmHome home = homes.home(spec.name());
        KernelLoader.Request load = loadRequest(config);
        byte[] image = null;
        if (load != null) {
            image = KernelLoader.check(load);
        } else {
            HomeStatus st = home.status().orElseThrow(() -> new ConfigException("VM '" + spec.name()
                    + "' cannot be booted: no kernel was loaded (set jhyve.kernel, or use jhyveload) and boot ROMs are not"
                    + " implemented yet"));
            if (st.state() == HomeState.STOPPED) {
                throw new ConfigException("VM '" + spec.name() + "' cannot be booted: it has run since it was loaded;"
                        + " load it again with jhyveload (or set jhyve.kernel)");
            }
        }
        boolean created = !home.exists();
        StartupTrace.mark("machine: checked");
        HomeOwner owner = home.acquire("jhyve", load != null, false);
        Vm vm = null;
        Platform platform = null;
        try {
            GuestMemory mem;
            BootState boot;
            if (load != null) {
                StartupTrace.mark("machine: home acquired");
                mem = owner.createMemory(spec.memorySize());
                StartupTrace.mark("machine: memory created");
                try {
                    boot = KernelLoader.load(mem, load, image, provisionalMap(spec.memorySize()), Layout.ACPI);
                } catch (RuntimeException e) {
                    mem.close();
                    throw e;
                }
                StartupTrace.mark("machine: kernel loaded");
                owner.writeBoot(boot);
            } else {
                boot = home.boot().orElseThrow(() -> new HomeException("VM '" + spec.name() + "' has no boot state"));
                if (boot.memorySize() != spec.memorySize()) {
                    throw new ConfigException(String.format("VM '%s' was loaded with %s of memory, jhyve was given %s"
                            + " (-m must match jhyveload's -m)", spec.name(), HomeStatus.size(boot.memorySize()),
                            HomeStatus.size(spec.memorySize())));
                }
                mem = owner.openMemory(boot.memorySize());
            }
            vm = new Vm(spec, mem);
            BootEntry entry = boot.entry();
            vm.setBspSetup(v -> BootCpu.setup(v, entry));
            vm.prepareVcpus();   // their threads set their registers while devices and firmware are built
            StartupTrace.mark("machine: vm created");
            DeviceContext ctx = new DeviceContext(config, "", vm.pio(), vm.mmio(), vm::irqLine, vm.msiSink(), vm,
                    vm.memory().lowSize(), vm.memory().highSize(), hooks, null, vm.memory(), vm.fastIo());
            platform = Platform.build(ctx, registry);
            StartupTrace.mark("machine: devices built");
            FirmwareImage fw = Firmware.build(PlatformInfo.fromConfig(config, bus0Functions(platform)));
            for (Blob b : fw.blobs()) vm.memory().write(b.guestAddress(), b.bytes());
            KernelLoader.updateFirmware(vm.memory(), entry, memoryMap(fw.e820()), fw.rsdpAddress());
            vm.awaitKvmSetup();   // a failure to register RAM is the creation's, with its message and status
            StartupTrace.mark("machine: firmware written");
            return new Machine(config, vm, platform, owner);
        } catch (RuntimeException e) {
            if (platform != null) platform.close();
            if (vm != null) vm.close();
            if (created) {
                owner.destroy();
            } else {
                if (load != null) owner.releaseMemory();
                owner.close();
            }
            throw e;
        }
    }

    /** The one-step form's request ({@code jhyve.kernel}, {@code jhyve.initrd}, {@code jhyve.cmdline}), or null. */
    static KernelLoader.Request loadRequest(ConfigTree c) {
        String kernel = c.get("jhyve.kernel");
        if (kernel == null) return null;
        String initrd = c.get("jhyve.initrd");
        return new KernelLoader.Request(Path.of(kernel), initrd == null ? null : Path.of(initrd), c.get("jhyve.cmdline", ""));
    }

    /**
     * The memory map a loader writes before the devices exist: it depends only on the memory
     * size, and jhyve rewrites it from its firmware tables before the guest starts.
     */
    public static List<MemoryMapEntry> provisionalMap(long memorySize) {
        ConfigTree t = new ConfigTree();
        t.set("name", "loader");
        t.set("memory.size", memorySize + "b");
        return memoryMap(E820Map.of(PlatformInfo.fromConfig(t, List.of(), CpuIdentity.fromHost(), () -> "loader")));
    }

    static List<MemoryMapEntry> memoryMap(E820Map e820) {
        List<MemoryMapEntry> map = new ArrayList<>();
        for (E820Entry e : e820.entries()) map.add(new MemoryMapEntry(e.address(), e.length(), e.type().code));
        return map;
    }

    private static List<PciFunction> bus0Functions(Platform platform) {
        List<PciFunction> out = new ArrayList<>();
        for (PciDevice d : platform.pci().devices()) {
            if (d.bus() == 0) out.add(new PciFunction(d.slot(), d.function(), d.intxPin()));
        }
        return out;
    }

    /**
     * Runs the guest to its end, serving the control socket meanwhile. The loaded image is used
     * up from here on: a later run of the same VM needs a new load.
     */
    public Vm.Outcome run() {
        owner.consumeBoot();
        StartupTrace.mark("run: boot state consumed");
        control = ControlServer.start(owner.home().socket(), new MachineControl(vm, this::destroy));
        StartupTrace.mark("run: control socket listening");
        platform.start();
        StartupTrace.mark("run: devices started");
        outcome = vm.run();
        return outcome;
    }

    private volatile Vm.Outcome outcome;

    /** jhyvectl --destroy on a running VM: it ends with status 4, as a destroyed bhyve VM does. */
    void destroy() {
        destroyRequested = true;
        vm.requestExit(ExitStatus.ERROR, "VM destroyed by jhyvectl --destroy");
    }

    /** SIGTERM: press the ACPI power button; false when the guest has not enabled ACPI. */
    public boolean powerButton() {
        return platform.pressPowerButton();
    }

    /**
     * Frees the VM and leaves its home: removed after a destroy request, or after a power-off
     * with {@code destroy_on_poweroff} (-D); otherwise kept (as /dev/vmm/NAME) without its RAM,
     * which only a new load can fill again.
     */
    @Override
    public void close() {
        finish(true);
    }

    /**
     * The same for a process about to exit, without unmapping guest RAM and closing the KVM
     * descriptors first: the kernel does that at exit anyway, and doing it here only delays the
     * exit (15-30 ms for a 128 MiB guest).
     */
    public void closeForExit() {
        finish(false);
    }

    private void finish(boolean freeVm) {
        StartupTrace.mark("exit: guest stopped");
        if (control != null) control.close();
        platform.close();
        StartupTrace.mark("exit: devices closed");
        if (freeVm) vm.close();
        Vm.Outcome o = outcome;
        boolean powerOff = o != null && o.status() == ExitStatus.POWEROFF;
        if (destroyRequested || (powerOff && config.getBool("destroy_on_poweroff", false))) {
            owner.destroy();
        } else {
            owner.releaseMemory();
            owner.close();
        }
        StartupTrace.mark("exit: home released");
    }
}
