package org.jhyve.mgmt.argv;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jhyve.mgmt.xml.Address;
import org.jhyve.mgmt.xml.Audio;
import org.jhyve.mgmt.xml.Channel;
import org.jhyve.mgmt.xml.Controller;
import org.jhyve.mgmt.xml.CpuTopology;
import org.jhyve.mgmt.xml.Devices;
import org.jhyve.mgmt.xml.Disk;
import org.jhyve.mgmt.xml.Domain;
import org.jhyve.mgmt.xml.DomainXmlException;
import org.jhyve.mgmt.xml.Features;
import org.jhyve.mgmt.xml.Filesystem;
import org.jhyve.mgmt.xml.Graphics;
import org.jhyve.mgmt.xml.Hostdev;
import org.jhyve.mgmt.xml.Input;
import org.jhyve.mgmt.xml.Loader;
import org.jhyve.mgmt.xml.NetInterface;
import org.jhyve.mgmt.xml.Nvram;
import org.jhyve.mgmt.xml.Os;
import org.jhyve.mgmt.xml.Rng;
import org.jhyve.mgmt.xml.Serial;
import org.jhyve.mgmt.xml.Sound;
import org.jhyve.mgmt.xml.Sysinfo;
import org.jhyve.mgmt.xml.VcpuPin;
import org.jhyve.mgmt.xml.Video;

/**
 * {@code domxml-from-native bhyve-argv}: a jhyve (or bhyve) command line, optionally preceded by
 * its loader line, back into a domain. Loader and jhyve must agree on name and memory; options
 * and devices with no domain XML equivalent are dropped with a warning.
 */
public final class ArgvToDomain {
    private static final String JHYVE_OPTS = "abehuwxACDHIPSWYp:g:c:s:m:l:U:G:k:o:r:";
    private static final String LOADER_OPTS = "CSc:d:e:h:i:k:l:m:";

    private final Supplier<String> uuids;
    private final List<String> warnings = new ArrayList<>();
    private String name, uuid, clock = "localtime", msrs;
    private Long memoryKiB;
    private boolean acpi, apic, locked;
    private int vcpus = 1;
    private CpuTopology topology;
    private final Map<Integer, TreeSet<Integer>> pins = new TreeMap<>();
    private Loader loader;
    private Nvram nvram;
    private String bootloader, bootloaderArgs;
    private List<String> bootDevs = List.of();
    private String kernel, initrd, kernelCmdline;
    private final Map<String, Map<String, String>> smbios = new LinkedHashMap<>();
    private final List<Disk> disks = new ArrayList<>();
    private final List<Controller> controllers = new ArrayList<>();
    private final List<NetInterface> nets = new ArrayList<>();
    private final List<Serial> serials = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private final List<Input> inputs = new ArrayList<>();
    private final List<Graphics> graphics = new ArrayList<>();
    private final List<Sound> sounds = new ArrayList<>();
    private final List<Audio> audios = new ArrayList<>();
    private final List<Video> videos = new ArrayList<>();
    private final List<Filesystem> fss = new ArrayList<>();
    private final List<Rng> rngs = new ArrayList<>();
    private final List<Hostdev> hostdevs = new ArrayList<>();
    private int sataControllers, nvmeControllers, serialControllers, virtioDisks, sataDisks;

    private ArgvToDomain(Supplier<String> uuids) { this.uuids = uuids; }

    public static NativeParse parse(String text, Supplier<String> uuids) throws DomainXmlException {
        var p = new ArgvToDomain(uuids);
        return p.run(text);
    }

    private static String program(List<String> argv) { return Path.of(argv.getFirst()).getFileName().toString(); }

    private NativeParse run(String text) throws DomainXmlException {
        List<String> jhyve = null, loaderLine = null;
        for (var line : ShellWords.logicalLines(text)) {
            List<String> argv;
            try {
                argv = ShellWords.split(line);
            } catch (IllegalArgumentException e) {
                throw DomainXmlException.failed("Failed to convert the command string to argv-lists: " + e.getMessage());
            }
            if (argv.isEmpty()) continue;
            var prog = program(argv);
            if (jhyve == null && (prog.equals("jhyve") || prog.equals("bhyve"))) jhyve = argv;
            else if (loaderLine == null && jhyve == null) loaderLine = argv;
            else warnings.add("ignoring extra command line: " + line);
        }
        if (jhyve == null) throw DomainXmlException.failed("no jhyve (or bhyve) command line found");
        parseJhyve(jhyve);
        if (loaderLine != null) {
            var prog = program(loaderLine);
            if (prog.equals("jhyveload") || prog.equals("bhyveload")) parseJhyveload(loaderLine);
            else {
                bootloader = loaderLine.getFirst();
                bootloaderArgs = String.join(" ", loaderLine.subList(1, loaderLine.size()));
            }
        }
        return new NativeParse(build(), warnings);
    }

    private Domain build() {
        var pinList = new ArrayList<VcpuPin>();
        pins.forEach((v, set) -> pinList.add(new VcpuPin(v, String.join(",", set.stream().map(String::valueOf).toList()))));
        var os = new Os("hvm", null, null, null, loader, nvram, bootDevs, kernel, initrd, kernelCmdline);
        var sys = smbios.isEmpty() ? null : new Sysinfo("smbios", smbios);
        var devices = new Devices(disks, controllers, fss, nets, serials, List.of(), channels, inputs, graphics, sounds,
                audios, videos, hostdevs, rngs);
        return new Domain("bhyve", name, uuid != null ? uuid : uuids.get(), null, null, memoryKiB, null, locked, vcpus,
                null, topology, pinList, os, bootloader, bootloaderArgs, new Features(acpi, apic, msrs), clock, null, null,
                null, sys, devices, List.of());
    }

    private GetOpt getopt(List<String> argv, String spec, String what) throws DomainXmlException {
        try {
            return new GetOpt(argv, spec);
        } catch (IllegalArgumentException e) {
            throw DomainXmlException.failed("Failed to parse arguments for " + what + " command: " + e.getMessage());
        }
    }

    private void parseJhyve(List<String> argv) throws DomainXmlException {
        var g = getopt(argv, JHYVE_OPTS, "jhyve");
        for (var o : g.options) {
            switch (o.name()) {
                case 'A' -> acpi = true;
                case 'I' -> apic = true;
                case 'u' -> clock = "utc";
                case 'S' -> locked = true;
                case 'w' -> msrs = "ignore";
                case 'H', 'P' -> {}
                case 'c' -> cpus(o.value());
                case 'm' -> memory(o.value());
                case 'p' -> pin(o.value());
                case 'U' -> {
                    try {
                        uuid = org.jhyve.mgmt.xml.DomainXmlParser.parse("<domain type='bhyve'><name>x</name><uuid>" + o.value()
                                + "</uuid><memory>1</memory></domain>").uuid();
                    } catch (DomainXmlException e) {
                        throw new DomainXmlException(DomainXmlException.Kind.INTERNAL_ERROR, "Cannot parse UUID '" + o.value() + "'");
                    }
                }
                case 'l' -> lpc(o.value());
                case 's' -> {
                    try {
                        pci(o.value());
                    } catch (NumberFormatException e) {
                        throw DomainXmlException.failed("Failed to parse -s " + o.value() + ": bad number");
                    }
                }
                case 'o' -> option(o.value());
                default -> warnings.add("ignoring option -" + o.name() + (o.value() == null ? "" : " " + o.value()));
            }
        }
        if (g.operands.size() != 1) throw DomainXmlException.failed("Failed to parse arguments for bhyve command");
        name = g.operands.getFirst();
        if (memoryKiB == null) memoryKiB = 256L * 1024;
    }

    private void parseJhyveload(List<String> argv) throws DomainXmlException {
        var g = getopt(argv, LOADER_OPTS, "jhyveload");
        if (parseKernelLoader(g)) return;
        boolean hasM = false, hasD = false, other = false;
        String disk = null;
        for (var o : g.options) {
            switch (o.name()) {
                case 'm' -> {
                    hasM = true;
                    long kib = memsize(o.value());
                    if (!memoryKiB.equals(kib)) throw DomainXmlException.failed("Failed to parse memory: size mismatch");
                }
                case 'd' -> {
                    hasD = true;
                    disk = o.value();
                }
                default -> other = true;
            }
        }
        if (g.operands.size() != 1) throw DomainXmlException.failed("Failed to parse arguments for bhyveload command");
        if (!g.operands.getFirst().equals(name)) throw DomainXmlException.failed("Failed to parse arguments: VM name mismatch");
        if (other || !hasM || !hasD) {
            bootloaderArgs = String.join(" ", argv.subList(1, argv.size()));
            return;
        }
        // The loader reads the first disk by default; point it at another one with <boot dev>, or
        // failing that a boot order, so that the loader line comes back the same.
        for (int i = 0; i < disks.size(); i++) {
            var d = disks.get(i);
            if (!disk.equals(d.sourceFile())) continue;
            if (i == 0 || d.bootOrder() != null) return;
            var kind = d.deviceOrDefault();
            var firstOfKind = disks.stream().filter(x -> x.deviceOrDefault().equals(kind)).findFirst().orElseThrow();
            if (firstOfKind == d) bootDevs = List.of(kind.equals("cdrom") ? "cdrom" : "hd");
            else disks.set(i, withBoot(d, 1L));
            return;
        }
        warnings.add("loader disk " + disk + " is not a disk of the jhyve command line");
    }

    /**
     * jhyveload -m MEM -k KERNEL [-i INITRD] [-c CMDLINE] [-S] NAME is direct kernel boot (with -k,
     * -c is the kernel command line); true when the line had that form and was taken in.
     */
    private boolean parseKernelLoader(GetOpt g) throws DomainXmlException {
        var byName = new java.util.HashMap<Character, String>();
        for (var o : g.options) {
            if ("mkicS".indexOf(o.name()) < 0 || byName.containsKey(o.name())) return false;
            byName.put(o.name(), o.value() == null ? "" : o.value());
        }
        if (!byName.containsKey('k') || !byName.containsKey('m') || g.operands.size() != 1) return false;
        if (!g.operands.getFirst().equals(name)) throw DomainXmlException.failed("Failed to parse arguments: VM name mismatch");
        if (!memoryKiB.equals(memsize(byName.get('m')))) throw DomainXmlException.failed("Failed to parse memory: size mismatch");
        if (byName.containsKey('S')) locked = true;
        kernel = byName.get('k');
        initrd = byName.get('i');
        kernelCmdline = byName.get('c');
        return true;
    }

    private static Disk withBoot(Disk d, Long order) {
        return new Disk(d.type(), d.device(), d.driverName(), d.driverType(), d.queues(), d.queueSize(), d.sourceFile(),
                d.sourcePool(), d.sourceVolume(), d.targetDev(), d.targetBus(), d.rotationRate(), d.readonly(), d.serial(),
                d.wwn(), order, d.address());
    }

    private void cpus(String v) throws DomainXmlException {
        try {
            if (!v.contains("=") && !v.contains(",")) {
                vcpus = Integer.parseInt(v);
                return;
            }
            Integer cpus = null, sockets = 1, cores = 1, threads = 1;
            var parts = v.split(",");
            for (int i = 0; i < parts.length; i++) {
                var kv = parts[i].split("=", 2);
                if (kv.length == 1 && i == 0) cpus = Integer.parseInt(kv[0]);
                else if (kv.length == 2) {
                    int n = Integer.parseInt(kv[1]);
                    switch (kv[0]) {
                        case "cpus" -> cpus = n;
                        case "sockets" -> sockets = n;
                        case "cores" -> cores = n;
                        case "threads" -> threads = n;
                        default -> throw new NumberFormatException();
                    }
                } else throw new NumberFormatException();
            }
            topology = new CpuTopology(sockets, null, null, cores, threads);
            vcpus = cpus != null ? cpus : topology.product();
            if (vcpus < 1) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw DomainXmlException.failed("Failed to parse number of vCPUs '" + v + "'");
        }
    }

    /** bhyve's memory sizes: a plain number below 1 MiB means MiB, otherwise bytes; K/M/G/T/P/E suffixes. */
    static long memsize(String v) throws DomainXmlException {
        try {
            long bytes;
            if (v.matches("\\d+")) {
                long n = Long.parseLong(v);
                bytes = n < 1024 * 1024 ? Math.multiplyExact(n, 1024L * 1024) : n;
            } else if (v.matches("\\d+[kKmMgGtTpPeE]")) {
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                int power = "kmgtpe".indexOf(Character.toLowerCase(v.charAt(v.length() - 1))) + 1;
                bytes = n;
                for (int i = 0; i < power; i++) bytes = Math.multiplyExact(bytes, 1024L);
            } else {
                throw new NumberFormatException();
            }
            if (bytes == 0) throw new NumberFormatException();
            return bytes / 1024;
        } catch (NumberFormatException | ArithmeticException e) {
            throw DomainXmlException.failed("Failed to parse memory '" + v + "'");
        }
    }

    private void memory(String v) throws DomainXmlException {
        long kib = memsize(v);
        if (memoryKiB != null && memoryKiB != kib) throw DomainXmlException.failed("Failed to parse memory: size mismatch");
        memoryKiB = kib;
    }

    private void pin(String v) throws DomainXmlException {
        var parts = v.split(":");
        try {
            if (parts.length != 2) throw new NumberFormatException();
            pins.computeIfAbsent(Integer.parseInt(parts[0]), k -> new TreeSet<>()).add(Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            throw DomainXmlException.failed("Failed to parse vCPU pinning '" + v + "' (expected vcpu:hostcpu)");
        }
    }

    private void lpc(String v) throws DomainXmlException {
        int comma = v.indexOf(',');
        if (comma < 0) throw DomainXmlException.failed("Failed to parse -l " + v + ": expected device,configuration");
        var dev = v.substring(0, comma);
        var conf = v.substring(comma + 1);
        if (dev.matches("com[1-4]")) {
            int port = dev.charAt(3) - '1';
            if (conf.startsWith("tcp=")) {
                var hp = conf.substring(4);
                int colon = hp.lastIndexOf(':');
                if (colon < 0) throw DomainXmlException.failed("Failed to set com port " + dev + ": '" + conf + "' has no port");
                serials.add(new Serial("tcp", null, null, "bind", hp.substring(0, colon), hp.substring(colon + 1), "raw", null, port));
            } else if (conf.startsWith("/dev/nmdm") && (conf.endsWith("A") || conf.endsWith("B"))) {
                var other = conf.substring(0, conf.length() - 1) + (conf.endsWith("A") ? "B" : "A");
                serials.add(new Serial("nmdm", conf, other, null, null, null, null, null, port));
            } else if (conf.equals("autopty")) {
                // jhyve's pty is what the daemon makes of an nmdm serial, so it reads back as one
                serials.add(new Serial("nmdm", null, null, null, null, null, null, null, port));
            } else if (conf.equals("stdio")) {
                warnings.add("ignoring -l " + v + ": a console on jhyve's stdio has no domain XML form");
            } else {
                throw DomainXmlException.failed("Failed to set com port " + dev + ": '" + conf
                        + "' is neither an nmdm device nor tcp=host:port");
            }
        } else if (dev.equals("bootrom")) {
            var parts = conf.split(",");
            loader = new Loader(parts[0], "yes", "pflash");
            for (int i = 1; i < parts.length; i++) {
                if (parts[i].startsWith("fwcfg=")) continue;
                if (i == 1 && !parts[i].contains("=")) nvram = new Nvram(parts[i], null);
                else warnings.add("ignoring bootrom option " + parts[i]);
            }
        } else {
            warnings.add("ignoring -l " + v);
        }
    }

    private void option(String v) {
        int eq = v.indexOf('=');
        var key = eq < 0 ? v : v.substring(0, eq);
        if (eq > 0) {
            var value = v.substring(eq + 1);
            switch (key) {
                case "jhyve.kernel" -> {
                    kernel = value;
                    return;
                }
                case "jhyve.initrd" -> {
                    initrd = value;
                    return;
                }
                case "jhyve.cmdline" -> {
                    kernelCmdline = value;
                    return;
                }
                default -> {}
            }
        }
        var where = Smbios.byVariable().get(key);
        if (where == null || eq < 0) {
            warnings.add("ignoring -o " + v);
            return;
        }
        smbios.computeIfAbsent(where[0], k -> new LinkedHashMap<>()).put(where[1], v.substring(eq + 1));
    }

    private static Address.Pci slot(String def) throws DomainXmlException {
        try {
            var p = def.split(":");
            int bus = 0, slot, fn = 0;
            switch (p.length) {
                case 1 -> slot = Integer.parseInt(p[0]);
                case 2 -> {
                    slot = Integer.parseInt(p[0]);
                    fn = Integer.parseInt(p[1]);
                }
                case 3 -> {
                    bus = Integer.parseInt(p[0]);
                    slot = Integer.parseInt(p[1]);
                    fn = Integer.parseInt(p[2]);
                }
                default -> throw new NumberFormatException();
            }
            return new Address.Pci(0, bus, slot, fn);
        } catch (IllegalArgumentException e) {
            throw DomainXmlException.failed("Failed to parse PCI slot '" + def + "'");
        }
    }

    private void pci(String v) throws DomainXmlException {
        var parts = new ArrayList<>(List.of(v.split(",", -1)));
        if (parts.size() < 2) throw DomainXmlException.failed("Failed to parse -s " + v + ": expected slot,emulation");
        var addr = slot(parts.removeFirst());
        var emulation = parts.removeFirst();
        switch (emulation) {
            case "hostbridge", "amd_hostbridge" -> {}
            case "lpc" -> controllers.add(new Controller("isa", 0, null, null, null, addr));
            case "ahci-hd", "ahci-cd" -> {
                if (parts.isEmpty()) throw DomainXmlException.failed("Failed to parse -s " + v + ": no disk path");
                var ctl = sataControllers++;
                controllers.add(new Controller("sata", ctl, null, null, null, addr));
                sataDisk(ctl, 0, emulation.endsWith("cd"), parts.getFirst(), parts.subList(1, parts.size()));
            }
            case "ahci" -> {
                var ctl = sataControllers++;
                controllers.add(new Controller("sata", ctl, null, null, null, addr));
                int unit = 0;
                for (int i = 0; i < parts.size(); ) {
                    var p = parts.get(i);
                    if (!p.startsWith("hd:") && !p.startsWith("cd:")) {
                        throw DomainXmlException.failed("Failed to parse -s " + v + ": '" + p + "' is not hd:PATH or cd:PATH");
                    }
                    int j = i + 1;
                    while (j < parts.size() && !parts.get(j).startsWith("hd:") && !parts.get(j).startsWith("cd:")) j++;
                    sataDisk(ctl, unit++, p.startsWith("cd:"), p.substring(3), parts.subList(i + 1, j));
                    i = j;
                }
            }
            case "virtio-blk" -> {
                if (parts.isEmpty()) throw DomainXmlException.failed("Failed to parse -s " + v + ": no disk path");
                String ser = null;
                Long boot = null;
                for (var o : parts.subList(1, parts.size())) {
                    if (o.startsWith("bootindex=")) boot = Long.parseLong(o.substring(10));
                    else if (o.startsWith("ser=")) ser = o.substring(4);
                    else warnings.add("ignoring virtio-blk option " + o);
                }
                if (ser != null) warnings.add("ignoring virtio-blk serial " + ser);
                disks.add(new Disk("file", "disk", null, null, null, null, parts.getFirst(), null, null,
                        "vd" + letters(virtioDisks++), "virtio", null, false, null, null, boot, addr));
            }
            case "nvme" -> nvme(v, addr, parts);
            case "virtio-net", "e1000" -> net(v, addr, emulation, parts);
            case "fbuf" -> fbuf(addr, parts);
            case "xhci" -> {
                controllers.add(new Controller("usb", null, "nec-xhci", null, null, addr));
                for (var p : parts) {
                    if (p.equals("tablet")) inputs.add(new Input("tablet", "usb"));
                    else warnings.add("ignoring xhci device " + p);
                }
            }
            case "hda" -> {
                String play = null, rec = null;
                for (var p : parts) {
                    if (p.startsWith("play=")) play = p.substring(5);
                    else if (p.startsWith("rec=")) rec = p.substring(4);
                    else warnings.add("ignoring hda option " + p);
                }
                Integer id = null;
                if (play != null || rec != null) {
                    id = audios.size() + 1;
                    audios.add(new Audio(id, "oss", play, rec));
                }
                sounds.add(new Sound("ich7", id, addr));
            }
            case "virtio-9p" -> {
                if (parts.isEmpty() || !parts.getFirst().contains("=")) {
                    throw DomainXmlException.failed("Failed to parse -s " + v + ": expected sharename=path");
                }
                var kv = parts.getFirst().split("=", 2);
                boolean ro = parts.subList(1, parts.size()).contains("ro");
                fss.add(new Filesystem("mount", "passthrough", null, kv[1], kv[0], ro, addr));
            }
            case "virtio-rnd" -> rngs.add(new Rng("virtio", "random", "/dev/random", addr));
            case "passthru" -> {
                var bsf = parts.isEmpty() ? new String[0] : parts.getFirst().split("/");
                try {
                    if (bsf.length != 3) throw new NumberFormatException();
                    var src = new Address.Pci(0, Integer.parseInt(bsf[0]), Integer.parseInt(bsf[1]), Integer.parseInt(bsf[2]));
                    hostdevs.add(new Hostdev("subsystem", "pci", "no", src, addr));
                } catch (IllegalArgumentException e) {
                    throw DomainXmlException.failed("Failed to parse -s " + v + ": expected passthru,bus/slot/function");
                }
            }
            case "virtio-console" -> {
                int ctl = serialControllers++;
                controllers.add(new Controller("virtio-serial", ctl, null, null, null, addr));
                int port = 1;
                for (var p : parts) {
                    var kv = p.split("=", 2);
                    if (kv.length != 2) throw DomainXmlException.failed("Failed to parse -s " + v + ": expected name=path");
                    channels.add(new Channel("unix", "bind", kv[1], "virtio", kv[0], new Address.VirtioSerial(ctl, 0, port++)));
                }
            }
            default -> warnings.add("ignoring unsupported device '" + emulation + "' in -s " + v);
        }
    }

    private void sataDisk(int ctl, int unit, boolean cd, String path, List<String> opts) {
        String ser = null;
        Integer nmrr = null;
        Long boot = null;
        for (var o : opts) {
            if (o.startsWith("ser=")) ser = o.substring(4);
            else if (o.startsWith("nmrr=")) nmrr = Integer.parseInt(o.substring(5));
            else if (o.startsWith("bootindex=")) boot = Long.parseLong(o.substring(10));
            else warnings.add("ignoring AHCI port option " + o);
        }
        disks.add(new Disk("file", cd ? "cdrom" : "disk", null, null, null, null, path, null, null,
                "sd" + letters(sataDisks++), "sata", nmrr, cd, ser, null, boot, new Address.Drive(ctl, 0, 0, unit)));
    }

    private void nvme(String v, Address.Pci addr, List<String> parts) throws DomainXmlException {
        if (parts.isEmpty()) throw DomainXmlException.failed("Failed to parse -s " + v + ": no disk path");
        Integer maxq = null, qsz = null;
        String eui = null, ser = null;
        Long boot = null;
        for (var o : parts.subList(1, parts.size())) {
            if (o.startsWith("maxq=")) maxq = Integer.parseInt(o.substring(5));
            else if (o.startsWith("qsz=")) qsz = Integer.parseInt(o.substring(4));
            else if (o.startsWith("eui64=")) eui = o.substring(6).replaceFirst("^0x", "");
            else if (o.startsWith("ser=")) ser = o.substring(4);
            else if (o.startsWith("bootindex=")) boot = Long.parseLong(o.substring(10));
            else warnings.add("ignoring nvme option " + o);
        }
        int ctl = nvmeControllers++;
        controllers.add(new Controller("nvme", ctl, null, null, ser, addr));
        disks.add(new Disk("file", "disk", null, null, maxq, qsz, parts.getFirst(), null, null, "nvme" + ctl + "n1", "nvme",
                null, false, null, eui, boot, new Address.Drive(ctl, 0, 0, 0)));
    }

    private void net(String v, Address.Pci addr, String emulation, List<String> parts) throws DomainXmlException {
        if (parts.isEmpty()) throw DomainXmlException.failed("Failed to parse -s " + v + ": no network backend");
        var model = emulation.equals("e1000") ? "e1000" : "virtio";
        String mac = null;
        for (var o : parts.subList(1, parts.size())) {
            if (o.startsWith("mac=")) mac = o.substring(4).toLowerCase();
            else if (!o.equals("open")) warnings.add("ignoring " + emulation + " option " + o);
        }
        if (mac == null) mac = ConversionOptions.randomMac();
        var backend = parts.getFirst();
        if (backend.equals("slirp")) {
            nets.add(new NetInterface("user", mac, model, null, null, null, List.of(), null, addr));
        } else {
            // The bridge is not on the command line; virbr0 is what libvirt assumes too.
            nets.add(new NetInterface("bridge", mac, model, "virbr0", null, backend, List.of(), null, addr));
        }
    }

    private void fbuf(Address.Pci addr, List<String> parts) {
        String host = null, password = null, vga = null;
        Integer port = null, w = null, h = null;
        boolean wait = false;
        for (var o : parts) {
            if (o.startsWith("tcp=") || o.startsWith("rfb=")) {
                var hp = o.substring(4);
                int colon = hp.lastIndexOf(':');
                port = Integer.parseInt(hp.substring(colon + 1));
                host = colon > 0 ? hp.substring(0, colon).replaceAll("^\\[|]$", "") : null;
            } else if (o.startsWith("password=")) password = o.substring(9);
            else if (o.startsWith("w=")) w = Integer.parseInt(o.substring(2));
            else if (o.startsWith("h=")) h = Integer.parseInt(o.substring(2));
            else if (o.startsWith("vga=")) vga = o.substring(4);
            else if (o.equals("wait")) wait = true;
            else warnings.add("ignoring fbuf option " + o);
        }
        graphics.add(new Graphics("vnc", port == null ? 5900 : port, null, null, password, wait ? true : null,
                host == null ? null : "address", host));
        videos.add(new Video("gop", 1, true, w != null && h != null ? w : null, w != null && h != null ? h : null, vga, addr));
    }

    /** 0 → a, 25 → z, 26 → aa, as disk names count. */
    static String letters(int idx) {
        var sb = new StringBuilder();
        for (int n = idx + 1; n > 0; n = (n - 1) / 26) sb.insert(0, (char) ('a' + (n - 1) % 26));
        return sb.toString();
    }
}
