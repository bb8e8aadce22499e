package org.jhyve.mgmt.argv;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import org.jhyve.mgmt.xml.Address;
import org.jhyve.mgmt.xml.Audio;
import org.jhyve.mgmt.xml.Controller;
import org.jhyve.mgmt.xml.Disk;
import org.jhyve.mgmt.xml.Domain;
import org.jhyve.mgmt.xml.DomainXmlException;
import org.jhyve.mgmt.xml.Graphics;
import org.jhyve.mgmt.xml.Video;

/** The -s and -l arguments of a prepared domain's devices. */
final class DeviceArgs {
    static final int AHCI_PORTS = 32;
    static final int MAX_SERIAL_LENGTH = 20;

    private DeviceArgs() {}

    static void devices(Domain d, ConversionOptions o, List<String> a) throws DomainXmlException {
        var dev = d.devices();
        for (var disk : dev.disks()) checkDisk(disk);
        int usb = 0, isa = 0;
        for (var c : dev.controllers()) {
            switch (c.type()) {
                case "pci" -> {
                    if (c.model() != null && !c.model().equals("pci-root")) {
                        throw DomainXmlException.unsupported("unsupported PCI controller model: only PCI root supported");
                    }
                    if (c.indexOrZero() != 0) throw DomainXmlException.xml("pci-root and pcie-root controllers should have index 0");
                }
                case "sata" -> add(a, "-s", DomainToArgv.slot(c.address()) + ",ahci" + ahciPorts(d, c));
                case "nvme" -> add(a, "-s", DomainToArgv.slot(c.address()) + ",nvme," + nvme(d, c));
                case "usb" -> {
                    if (++usb > 1) throw DomainXmlException.unsupported("only single USB controller is supported");
                    add(a, "-s", DomainToArgv.slot(c.address()) + ",xhci," + usbDevices(d, c));
                }
                case "isa" -> {
                    if (c.indexOrZero() != 0) throw DomainXmlException.unsupported("Bhyve ISA controller can only have index '0'");
                    if (++isa > 1) throw DomainXmlException.unsupported("only single ISA controller is supported");
                    add(a, "-s", DomainToArgv.slot(c.address()) + ",lpc");
                }
                case "virtio-serial" -> add(a, "-s", DomainToArgv.slot(c.address()) + ",virtio-console" + channels(d, c));
                default -> throw DomainXmlException.unsupported("unsupported controller type '" + c.type() + "'");
            }
        }
        if (!dev.inputs().isEmpty() && usb == 0) {
            throw DomainXmlException.unsupported("input devices need a USB controller of model 'nec-xhci'");
        }
        for (var n : dev.interfaces()) add(a, "-s", net(n, o));
        for (var disk : dev.disks()) {
            if ("virtio".equals(disk.targetBus())) add(a, "-s", DomainToArgv.slot(disk.address()) + ",virtio-blk," + virtioDisk(disk));
        }
        graphics(d, o, a);
        for (var s : dev.sounds()) add(a, "-s", DomainToArgv.slot(s.address()) + ",hda" + sound(d, s));
        for (var f : dev.filesystems()) add(a, "-s", DomainToArgv.slot(f.address()) + ",virtio-9p," + fs(f));
        serials(d, o, a);
        for (var r : dev.rngs()) {
            if (!"virtio".equals(r.model())) throw DomainXmlException.unsupported("Only 'virtio' RNG device model is supported");
            if (!"random".equals(r.backendModel())) throw DomainXmlException.unsupported("Only 'random' backend model is supported");
            if (r.backendSource() != null && !r.backendSource().equals("/dev/random")) {
                throw DomainXmlException.unsupported("Only /dev/random source is supported");
            }
            add(a, "-s", DomainToArgv.slot(r.address()) + ",virtio-rnd");
        }
    }

    static void hostdevs(Domain d, List<String> a) throws DomainXmlException {
        for (var h : d.devices().hostdevs()) {
            if (!"subsystem".equals(h.mode()) || !"pci".equals(h.type())) {
                throw DomainXmlException.unsupported("only <hostdev mode='subsystem' type='pci'> is supported");
            }
            if (!d.memoryLocked()) {
                throw DomainXmlException.unsupported("PCI passthrough requires locked guest memory (<memoryBacking><locked/>)");
            }
            var s = h.source();
            add(a, "-s", DomainToArgv.slot(h.address()) + ",passthru," + s.bus() + "/" + s.slot() + "/" + s.function());
        }
    }

    private static void add(List<String> a, String opt, String value) {
        a.add(opt);
        a.add(value);
    }

    private static void checkDisk(Disk disk) throws DomainXmlException {
        var name = "disk '" + disk.targetDev() + "'";
        var bus = disk.targetBus();
        if (bus == null || !List.of("sata", "virtio", "nvme").contains(bus)) {
            throw DomainXmlException.unsupported(name + ": unsupported disk bus '" + bus + "' (sata, virtio or nvme)");
        }
        if (!"file".equals(disk.type()) && !"volume".equals(disk.type())) {
            throw DomainXmlException.unsupported(name + ": unsupported disk type '" + disk.type() + "' (file or volume)");
        }
        var device = disk.deviceOrDefault();
        if (!device.equals("disk") && !device.equals("cdrom")) {
            throw DomainXmlException.unsupported(name + ": unsupported disk device '" + device + "'");
        }
        if (disk.isCdrom() && !bus.equals("sata")) {
            throw DomainXmlException.unsupported(name + ": a cdrom must be on the sata bus");
        }
        if (disk.sourceFile() == null) {
            throw DomainXmlException.unsupported(disk.isCdrom() ? "cdrom device without source path not supported"
                    : name + ": disk without source path not supported");
        }
        if (disk.sourceFile().contains(",")) {
            throw DomainXmlException.unsupported(name + ": source path '" + disk.sourceFile() + "' may not contain ','");
        }
        if (disk.rotationRate() != null && !bus.equals("sata")) {
            throw DomainXmlException.unsupported("rotation rate is only valid for SATA bus");
        }
        if ((disk.queues() != null || disk.queueSize() != null) && !bus.equals("nvme")) {
            throw DomainXmlException.unsupported("queue configuration is only valid for NVMe bus");
        }
        if (disk.wwn() != null && !bus.equals("nvme")) {
            throw DomainXmlException.unsupported(name + ": wwn is only valid for NVMe bus");
        }
        if (disk.serial() != null) checkSerial(disk.serial(), name);
        if (disk.bootOrder() != null && disk.bootOrder() > Integer.MAX_VALUE) {
            throw DomainXmlException.unsupported(name + ": boot order " + disk.bootOrder() + " is out of range (1-"
                    + Integer.MAX_VALUE + ")");
        }
        if (!bus.equals("virtio") && !(disk.address() instanceof Address.Drive)) {
            throw DomainXmlException.unsupported(name + ": a " + bus + " disk needs a drive address, not a PCI one");
        }
    }

    private static void checkSerial(String serial, String what) throws DomainXmlException {
        if (serial.contains(",")) throw DomainXmlException.unsupported(what + ": serial '" + serial + "' may not contain ','");
        if (serial.length() > MAX_SERIAL_LENGTH) {
            throw DomainXmlException.unsupported(what + ": serial '" + serial + "' is longer than " + MAX_SERIAL_LENGTH + " characters");
        }
    }

    private static String bootindex(Disk disk) {
        return disk.bootOrder() == null ? "" : ",bootindex=" + disk.bootOrder();
    }

    private static String ahciPorts(Domain d, Controller c) throws DomainXmlException {
        var sb = new StringBuilder();
        var units = new HashSet<Integer>();
        for (var disk : d.devices().disks()) {
            if (!"sata".equals(disk.targetBus()) || !(disk.address() instanceof Address.Drive a)) continue;
            if (a.controller() != c.indexOrZero()) continue;
            if (a.unit() >= AHCI_PORTS) {
                throw DomainXmlException.unsupported("disk '" + disk.targetDev() + "': SATA unit " + a.unit()
                        + " is beyond the " + AHCI_PORTS + " ports of an AHCI controller");
            }
            if (!units.add(a.unit())) {
                throw DomainXmlException.unsupported("disk '" + disk.targetDev() + "': SATA controller " + a.controller()
                        + " unit " + a.unit() + " is already in use");
            }
            sb.append(disk.isCdrom() ? ",cd:" : ",hd:").append(disk.sourceFile());
            if (disk.rotationRate() != null) sb.append(",nmrr=").append(disk.rotationRate());
            if (disk.serial() != null) sb.append(",ser=").append(disk.serial());
            sb.append(bootindex(disk));
        }
        return sb.toString();
    }

    private static String nvme(Domain d, Controller c) throws DomainXmlException {
        var disks = d.devices().disks().stream().filter(x -> "nvme".equals(x.targetBus())
                && x.address() instanceof Address.Drive a && a.controller() == c.indexOrZero()).toList();
        if (disks.isEmpty()) throw DomainXmlException.unsupported("NVMe controller " + c.indexOrZero() + " has no disk");
        if (disks.size() > 1) {
            throw DomainXmlException.unsupported("only one disk per NVMe controller is supported (controller "
                    + c.indexOrZero() + " has " + disks.size() + ")");
        }
        var disk = disks.getFirst();
        var sb = new StringBuilder(disk.sourceFile());
        if (disk.queues() != null) sb.append(",maxq=").append(disk.queues());
        if (disk.queueSize() != null) sb.append(",qsz=").append(disk.queueSize());
        if (disk.wwn() != null) {
            var w = disk.wwn().toLowerCase().replaceFirst("^0x", "");
            if (!w.matches("[0-9a-f]{16}")) {
                throw DomainXmlException.unsupported("disk '" + disk.targetDev() + "': wwn '" + disk.wwn() + "' is not 16 hex digits");
            }
            sb.append(",eui64=0x").append(w);
        }
        if (c.serial() != null) {
            checkSerial(c.serial(), "NVMe controller " + c.indexOrZero());
            sb.append(",ser=").append(c.serial());
        }
        sb.append(bootindex(disk));
        return sb.toString();
    }

    private static String usbDevices(Domain d, Controller c) throws DomainXmlException {
        if (!"nec-xhci".equals(c.model())) {
            throw DomainXmlException.unsupported("unsupported USB controller model '" + c.model() + "' (only nec-xhci)");
        }
        for (var in : d.devices().inputs()) {
            if (!"usb".equals(in.bus())) throw DomainXmlException.unsupported("only USB input devices are supported");
            if (!"tablet".equals(in.type())) throw DomainXmlException.unsupported("only tablet input devices are supported");
        }
        if (d.devices().inputs().size() != 1) throw DomainXmlException.unsupported("only single input device is supported");
        return "tablet";
    }

    private static String channels(Domain d, Controller c) throws DomainXmlException {
        if (c.ports() != null && c.ports() > DomainPreparer.VIRTIO_SERIAL_PORTS) {
            throw DomainXmlException.unsupported("Bhyve virtio-serial controller supports up to 16 ports");
        }
        var mine = new ArrayList<org.jhyve.mgmt.xml.Channel>();
        for (var ch : d.devices().channels()) {
            if (!"unix".equals(ch.type()) || !"virtio".equals(ch.targetType())) {
                throw DomainXmlException.unsupported("only virtio channels with a unix socket source are supported");
            }
            if (ch.targetName() == null) throw DomainXmlException.unsupported("a virtio channel needs a target name");
            if (ch.targetName().contains(",")) throw DomainXmlException.unsupported("Commas (',') are not allowed in channel names");
            if (ch.sourcePath() == null) throw DomainXmlException.unsupported("channel '" + ch.targetName() + "' needs a source path");
            if (ch.sourcePath().contains(",")) {
                throw DomainXmlException.unsupported("Commas (',') are not allowed in UNIX socket paths");
            }
            if (ch.address() instanceof Address.VirtioSerial v && v.controller() == c.indexOrZero()) {
                if (v.port() >= DomainPreparer.VIRTIO_SERIAL_PORTS) {
                    throw DomainXmlException.unsupported("channel '" + ch.targetName() + "': port " + v.port()
                            + " is beyond the 16 ports of a virtio-console device");
                }
                mine.add(ch);
            }
        }
        mine.sort(Comparator.comparingInt(ch -> ((Address.VirtioSerial) ch.address()).port()));
        var sb = new StringBuilder();
        for (var ch : mine) sb.append(',').append(ch.targetName()).append('=').append(ch.sourcePath());
        return sb.toString();
    }

    private static String net(org.jhyve.mgmt.xml.NetInterface n, ConversionOptions o) throws DomainXmlException {
        String model;
        if (n.model() == null) throw DomainXmlException.unsupported("NIC model must be specified (virtio or e1000)");
        switch (n.model()) {
            case "virtio" -> model = "virtio-net";
            case "e1000" -> model = "e1000";
            default -> throw DomainXmlException.unsupported("NIC model '" + n.model() + "' is not supported");
        }
        if (n.bootOrder() != null) throw DomainXmlException.unsupported("boot order on <interface> is not supported");
        var slot = DomainToArgv.slot(n.address());
        if (n.type().equals("user")) {
            if (!n.ips().isEmpty()) {
                throw DomainXmlException.unsupported("setting IP addresses for SLIRP networking is not supported");
            }
            return slot + "," + model + ",slirp,mac=" + n.mac() + ",open";
        }
        return slot + "," + model + "," + o.tapName().apply(n) + ",mac=" + n.mac();
    }

    private static String virtioDisk(Disk disk) {
        return disk.sourceFile() + bootindex(disk);
    }

    private static void graphics(Domain d, ConversionOptions o, List<String> a) throws DomainXmlException {
        var dev = d.devices();
        if (dev.graphics().isEmpty()) return;
        if (dev.graphics().size() > 1 || dev.videos().size() > 1) {
            throw DomainXmlException.unsupported("Multiple graphics devices are not supported");
        }
        var g = dev.graphics().getFirst();
        var v = dev.videos().getFirst();
        if (d.bootloader() != null || d.os().loader() == null) {
            throw DomainXmlException.unsupported("Graphics are only supported when booting using UEFI");
        }
        if (!"vnc".equals(g.type())) throw DomainXmlException.unsupported("Only VNC supported");
        if (v.modelType() != null && !v.modelType().equals("gop")) {
            throw DomainXmlException.unsupported("video model '" + v.modelType() + "' is not supported (only gop)");
        }
        a.add("-s");
        a.add(DomainToArgv.slot(v.address()) + ",fbuf," + fbuf(g, v, o));
    }

    private static String fbuf(Graphics g, Video v, ConversionOptions o) throws DomainXmlException {
        if (g.listenType() != null && !g.listenType().equals("address")) {
            throw DomainXmlException.unsupported("Unsupported listen type '" + g.listenType() + "'");
        }
        int port;
        if (g.isAutoport()) {
            port = o.vncPort().getAsInt();
        } else if (g.port() == null) {
            throw DomainXmlException.unsupported("vnc port must be given, or autoport='yes'");
        } else {
            port = g.port();
        }
        if (port < 5900 || port > 65535) throw DomainXmlException.unsupported("vnc port must be in range [5900,65535]");
        var addr = g.effectiveListen() == null ? "127.0.0.1" : g.effectiveListen();
        var sb = new StringBuilder("tcp=").append(addr.contains(":") ? "[" + addr + "]" : addr).append(':').append(port);
        if (g.passwd() != null) {
            if (g.passwd().contains(",")) throw DomainXmlException.unsupported("Password may not contain ',' character");
            sb.append(",password=").append(g.passwd());
        }
        if (v.resolutionX() != null) sb.append(",w=").append(v.resolutionX()).append(",h=").append(v.resolutionY());
        if (v.vgaconf() != null) sb.append(",vga=").append(v.vgaconf());
        if (Boolean.TRUE.equals(g.waitForClient())) sb.append(",wait");
        return sb.toString();
    }

    private static String sound(Domain d, org.jhyve.mgmt.xml.Sound s) throws DomainXmlException {
        if (!"ich7".equals(s.model())) throw DomainXmlException.unsupported("Sound device model is not supported");
        if (s.audioId() == null) return "";
        Audio audio = d.devices().audios().stream().filter(x -> x.id() == s.audioId()).findFirst()
                .orElseThrow(() -> DomainXmlException.xml("sound refers to <audio id='" + s.audioId() + "'> which is not defined"));
        if (!"oss".equals(audio.type())) throw DomainXmlException.unsupported("unsupported audio backend '" + audio.type() + "'");
        // libvirt hands the input device to play= and the output device to rec=; kept for compatibility.
        var sb = new StringBuilder();
        if (audio.inputDev() != null) sb.append(",play=").append(audio.inputDev());
        if (audio.outputDev() != null) sb.append(",rec=").append(audio.outputDev());
        return sb.toString();
    }

    private static String fs(org.jhyve.mgmt.xml.Filesystem f) throws DomainXmlException {
        if (f.type() != null && !f.type().equals("mount")) {
            throw DomainXmlException.unsupported("unsupported filesystem type '" + f.type() + "'");
        }
        if (f.driverType() != null) throw DomainXmlException.unsupported("unsupported filesystem driver '" + f.driverType() + "'");
        if (f.accessmode() != null && !f.accessmode().equals("passthrough")) {
            throw DomainXmlException.unsupported("unsupported filesystem accessmode '" + f.accessmode() + "'");
        }
        for (var s : List.of(f.targetDir(), f.sourceDir())) {
            if (s.contains(",") || s.contains("=")) {
                throw DomainXmlException.unsupported("filesystem '" + s + "' may not contain ',' or '='");
            }
        }
        return f.targetDir() + "=" + f.sourceDir() + (f.readonly() ? ",ro" : "");
    }

    private static void serials(Domain d, ConversionOptions o, List<String> a) throws DomainXmlException {
        var ports = new HashSet<Integer>();
        for (var s : d.devices().serials()) {
            if (!"nmdm".equals(s.type()) && !"tcp".equals(s.type())) {
                throw DomainXmlException.unsupported("Only 'nmdm' and 'tcp' console types are supported");
            }
            if (s.targetPort() > 3) throw DomainXmlException.unsupported("Only four serial ports are supported");
            if (!ports.add(s.targetPort())) {
                throw DomainXmlException.unsupported("serial port " + s.targetPort() + " is used by two <serial> elements");
            }
            String backend;
            if (s.type().equals("nmdm")) {
                backend = o.ptyConsoles() ? "autopty" : s.master();
            } else {
                if (!"bind".equals(s.mode())) throw DomainXmlException.unsupported("Only listening TCP sockets are supported");
                if (s.protocol() != null && !s.protocol().equals("raw")) {
                    throw DomainXmlException.unsupported("Only 'raw' protocol is supported for TCP sockets");
                }
                if (s.host() == null || s.service() == null) {
                    throw DomainXmlException.xml("a tcp serial needs <source host service>");
                }
                backend = "tcp=" + s.host() + ":" + s.service();
            }
            a.add("-l");
            a.add("com" + (s.targetPort() + 1) + "," + backend);
        }
    }
}
