package org.jhyve.mgmt.argv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jhyve.mgmt.xml.Address;
import org.jhyve.mgmt.xml.Channel;
import org.jhyve.mgmt.xml.Controller;
import org.jhyve.mgmt.xml.Devices;
import org.jhyve.mgmt.xml.Disk;
import org.jhyve.mgmt.xml.Domain;
import org.jhyve.mgmt.xml.DomainXmlException;
import org.jhyve.mgmt.xml.Loader;
import org.jhyve.mgmt.xml.NetInterface;
import org.jhyve.mgmt.xml.Nvram;
import org.jhyve.mgmt.xml.Serial;
import org.jhyve.mgmt.xml.Sound;
import org.jhyve.mgmt.xml.Video;

/**
 * Fills in what libvirt's bhyve driver adds after parsing, so that the command line builder sees
 * a complete domain: a UUID, the EFI firmware and NVRAM paths, default nmdm devices, serial port
 * numbers, disk drive addresses, the implicit ISA (LPC), virtio-serial, SATA and NVMe controllers,
 * a GOP video for VNC, virtio-serial ports for channels, MAC addresses and PCI slots.
 */
public final class DomainPreparer {
    /** Firmware file names tried first, in order, when {@code <os firmware='efi'>} picks one. */
    static final List<String> PREFERRED_FIRMWARE = List.of("BHYVE_UEFI.fd", "OVMF_CODE.fd", "OVMF.fd");

    private DomainPreparer() {}

    public static Domain prepare(Domain d, ConversionOptions o) throws DomainXmlException {
        if (d.uuid() == null) d = d.withUuid(o.uuids().get());
        d = firmware(d, o);
        var dev = d.devices();
        var serials = serialPorts(nmdmDefaults(dev.serials(), d.uuid()));
        var consoles = nmdmDefaults(dev.consoles(), d.uuid());
        var disks = new ArrayList<Disk>();
        for (var disk : dev.disks()) disks.add(driveAddress(volume(disk, o)));
        var videos = new ArrayList<>(dev.videos());
        if (!dev.graphics().isEmpty() && videos.isEmpty()) videos.add(new Video("gop", 1, true, null, null, null, null));
        var nets = new ArrayList<NetInterface>();
        for (var n : dev.interfaces()) nets.add(n.mac() == null ? n.withMac(o.macs().get()) : n);
        var controllers = implicitControllers(d, dev, disks, serials, consoles, videos);
        var channels = channelPorts(dev.channels(), controllers);
        var prepared = new Devices(disks, controllers, dev.filesystems(), nets, serials, consoles, channels,
                dev.inputs(), dev.graphics(), dev.sounds(), dev.audios(), videos, dev.hostdevs(), dev.rngs());
        return d.withDevices(assignSlots(prepared));
    }

    private static Domain firmware(Domain d, ConversionOptions o) throws DomainXmlException {
        var os = d.os();
        var loader = os.loader();
        var nvram = os.nvram();
        if ("efi".equals(os.firmware()) && loader == null && d.bootloader() == null) {
            loader = new Loader(findFirmware(o.firmwareDir()).toString(), "yes", "pflash");
            if (nvram == null) nvram = new Nvram(null, null);
        }
        if (nvram != null && nvram.path() == null) {
            nvram = new Nvram(o.nvramDir().resolve(d.name() + "_VARS.fd").toString(), nvram.template());
        }
        return d.withOs(os.withLoader(loader, nvram));
    }

    static Path findFirmware(Path dir) throws DomainXmlException {
        for (var name : PREFERRED_FIRMWARE) {
            if (Files.isRegularFile(dir.resolve(name))) return dir.resolve(name);
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".fd"))
                    .filter(p -> !p.getFileName().toString().contains("VARS")).sorted().findFirst()
                    .orElseThrow(() -> noFirmware(dir));
        } catch (IOException e) {
            throw noFirmware(dir);
        }
    }

    private static DomainXmlException noFirmware(Path dir) {
        return DomainXmlException.unsupported("no UEFI firmware (*.fd) found in " + dir + " for <os firmware='efi'>");
    }

    private static List<Serial> nmdmDefaults(List<Serial> in, String uuid) {
        var out = new ArrayList<Serial>();
        for (var s : in) {
            if ("nmdm".equals(s.type()) && s.master() == null) {
                s = s.withNmdm("/dev/nmdm" + uuid + "A", "/dev/nmdm" + uuid + "B");
            }
            out.add(s);
        }
        return out;
    }

    /** Serials without a target port take the lowest port no other serial claims. */
    private static List<Serial> serialPorts(List<Serial> in) {
        Set<Integer> taken = new HashSet<>();
        for (var s : in) if (s.targetPort() != null) taken.add(s.targetPort());
        var out = new ArrayList<Serial>();
        int next = 0;
        for (var s : in) {
            if (s.targetPort() == null) {
                while (taken.contains(next)) next++;
                taken.add(next);
                s = s.withTargetPort(next);
            }
            out.add(s);
        }
        return out;
    }

    private static Disk volume(Disk disk, ConversionOptions o) throws DomainXmlException {
        if (!"volume".equals(disk.type())) return disk;
        if (disk.sourcePool() == null || disk.sourceVolume() == null) {
            throw DomainXmlException.xml("disk '" + disk.targetDev() + "': a volume disk needs <source pool volume>");
        }
        return disk.withSourceFile(o.volumes().resolve(disk.sourcePool(), disk.sourceVolume()));
    }

    private static Disk driveAddress(Disk disk) throws DomainXmlException {
        if (disk.address() != null) return disk;
        if ("sata".equals(disk.targetBus())) {
            int idx = DiskNames.index(disk.targetDev());
            return disk.withAddress(new Address.Drive(idx / 32, 0, 0, idx % 32));
        }
        if ("nvme".equals(disk.targetBus())) {
            int[] cn = DiskNames.nvme(disk.targetDev());
            return disk.withAddress(new Address.Drive(cn[0], cn[1] - 1, 0, 0));
        }
        return disk;
    }

    private static boolean needsIsa(Domain d, Devices dev, List<Serial> serials, List<Serial> consoles,
                                    List<Video> videos) {
        if (d.bootloader() == null && d.os().loader() != null) return true;
        if ("efi".equals(d.os().firmware())) return true;
        if (!serials.isEmpty() || !consoles.isEmpty()) return true;
        return !dev.graphics().isEmpty() && !videos.isEmpty();
    }

    private static List<Controller> implicitControllers(Domain d, Devices dev, List<Disk> disks, List<Serial> serials,
                                                        List<Serial> consoles, List<Video> videos) {
        var out = new ArrayList<>(dev.controllers());
        if (needsIsa(d, dev, serials, consoles, videos) && !has(out, "isa", 0)) out.add(Controller.implicit("isa", 0));
        long vioControllers = out.stream().filter(c -> c.type().equals("virtio-serial")).count();
        int needed = (dev.channels().size() + VIRTIO_SERIAL_PORTS - 2) / (VIRTIO_SERIAL_PORTS - 1);
        for (long i = vioControllers; i < needed; i++) out.add(Controller.implicit("virtio-serial", nextIndex(out, "virtio-serial")));
        for (var bus : List.of("sata", "nvme")) {
            var indexes = new LinkedHashSet<Integer>();
            for (var disk : disks) {
                if (bus.equals(disk.targetBus()) && disk.address() instanceof Address.Drive a) indexes.add(a.controller());
            }
            for (int i : indexes.stream().sorted().toList()) if (!has(out, bus, i)) out.add(Controller.implicit(bus, i));
        }
        return out;
    }

    static final int VIRTIO_SERIAL_PORTS = 16;

    private static boolean has(List<Controller> cs, String type, int index) {
        return cs.stream().anyMatch(c -> c.type().equals(type) && c.indexOrZero() == index);
    }

    private static int nextIndex(List<Controller> cs, String type) {
        return cs.stream().filter(c -> c.type().equals(type)).mapToInt(Controller::indexOrZero).max().orElse(-1) + 1;
    }

    /**
     * Channels without an address take the lowest free port of the first virtio-serial controller
     * with room; port 0 stays free, as libvirt keeps it for consoles.
     */
    private static List<Channel> channelPorts(List<Channel> in, List<Controller> controllers) throws DomainXmlException {
        var taken = new HashSet<String>();
        for (var c : in) {
            if (c.address() instanceof Address.VirtioSerial v && !taken.add(v.controller() + ":" + v.port())) {
                throw DomainXmlException.unsupported("channel '" + c.targetName() + "': virtio-serial port "
                        + v.port() + " of controller " + v.controller() + " is already in use");
            }
        }
        var indexes = controllers.stream().filter(c -> c.type().equals("virtio-serial"))
                .map(Controller::indexOrZero).sorted().toList();
        var out = new ArrayList<Channel>();
        for (var c : in) {
            if (c.address() == null) {
                Address.VirtioSerial found = null;
                for (int idx : indexes) {
                    for (int port = 1; port < VIRTIO_SERIAL_PORTS && found == null; port++) {
                        if (!taken.contains(idx + ":" + port)) found = new Address.VirtioSerial(idx, 0, port);
                    }
                    if (found != null) break;
                }
                if (found == null) throw DomainXmlException.unsupported("no free virtio-serial port for channel '" + c.targetName() + "'");
                taken.add(found.controller() + ":" + found.port());
                c = c.withAddress(found);
            }
            out.add(c);
        }
        return out;
    }

    private static Devices assignSlots(Devices d) throws DomainXmlException {
        var slots = new PciSlots();
        for (var c : d.controllers()) explicit(slots, c.address(), "controller " + c.type());
        for (var n : d.interfaces()) explicit(slots, n.address(), "interface");
        for (var x : d.disks()) explicit(slots, "virtio".equals(x.targetBus()) ? x.address() : null, "disk " + x.targetDev());
        for (var x : d.videos()) explicit(slots, x.address(), "video");
        for (var x : d.sounds()) explicit(slots, x.address(), "sound");
        for (var x : d.filesystems()) explicit(slots, x.address(), "filesystem " + x.targetDir());
        for (var x : d.rngs()) explicit(slots, x.address(), "rng");
        for (var x : d.hostdevs()) explicit(slots, x.address(), "hostdev");

        var controllers = new ArrayList<>(d.controllers());
        // Slot 1 is kept for the LPC bridge unless the user placed something there.
        if (!slots.inUse(1)) {
            var lpc = Address.Pci.slot(1);
            slots.reserve(lpc, "lpc");
            for (int i = 0; i < controllers.size(); i++) {
                var c = controllers.get(i);
                if (c.type().equals("isa") && PciSlots.wantsSlot(c.address())) {
                    controllers.set(i, c.withAddress(lpc));
                    break;
                }
            }
        }
        for (int i = 0; i < controllers.size(); i++) {
            var c = controllers.get(i);
            boolean root = c.type().equals("pci");
            if (!root && PciSlots.wantsSlot(c.address())) controllers.set(i, c.withAddress(slots.next("controller " + c.type())));
        }
        var nets = new ArrayList<NetInterface>();
        for (var n : d.interfaces()) nets.add(PciSlots.wantsSlot(n.address()) ? n.withAddress(slots.next("interface")) : n);
        var disks = new ArrayList<Disk>();
        for (var x : d.disks()) {
            boolean wants = "virtio".equals(x.targetBus()) && PciSlots.wantsSlot(x.address());
            disks.add(wants ? x.withAddress(slots.next("disk " + x.targetDev())) : x);
        }
        var videos = new ArrayList<Video>();
        for (var x : d.videos()) videos.add(PciSlots.wantsSlot(x.address()) ? x.withAddress(slots.next("video")) : x);
        var sounds = new ArrayList<Sound>();
        for (var x : d.sounds()) sounds.add(PciSlots.wantsSlot(x.address()) ? x.withAddress(slots.next("sound")) : x);
        var fss = new ArrayList<org.jhyve.mgmt.xml.Filesystem>();
        for (var x : d.filesystems()) fss.add(PciSlots.wantsSlot(x.address()) ? x.withAddress(slots.next("filesystem")) : x);
        var rngs = new ArrayList<org.jhyve.mgmt.xml.Rng>();
        for (var x : d.rngs()) rngs.add(PciSlots.wantsSlot(x.address()) ? x.withAddress(slots.next("rng")) : x);
        var hostdevs = new ArrayList<org.jhyve.mgmt.xml.Hostdev>();
        for (var x : d.hostdevs()) hostdevs.add(PciSlots.wantsSlot(x.address()) ? x.withAddress(slots.next("hostdev")) : x);
        return new Devices(disks, controllers, fss, nets, d.serials(), d.consoles(), d.channels(), d.inputs(),
                d.graphics(), sounds, d.audios(), videos, hostdevs, rngs);
    }

    private static void explicit(PciSlots slots, Address a, String what) throws DomainXmlException {
        if (a instanceof Address.Pci p && !PciSlots.wantsSlot(p)) slots.reserve(p, what);
        else if (a != null && !(a instanceof Address.Pci) && !what.startsWith("disk")) {
            throw DomainXmlException.unsupported(what + ": address type must be 'pci'");
        }
    }
}
