package org.jhyve.mgmt.xml;

import java.util.List;

/**
 * Writes a {@link Domain} as libvirt-style XML: two-space indentation, single-quoted attributes,
 * elements in the order libvirt's own dumpxml uses. Only what the model holds is written, so a
 * parsed document written back and parsed again yields the same model.
 */
public final class DomainXmlWriter {
    private final StringBuilder out = new StringBuilder();

    private DomainXmlWriter() {}

    public static String write(Domain d) {
        var w = new DomainXmlWriter();
        w.domain(d);
        return w.out.toString();
    }

    private void domain(Domain d) {
        var ns = d.commandline().isEmpty() ? "" : " xmlns:bhyve='" + Domain.BHYVE_NS + "'";
        line(0, "<domain type=" + q(d.type()) + ns + ">");
        text(1, "name", d.name());
        if (d.uuid() != null) text(1, "uuid", d.uuid());
        if (d.title() != null) text(1, "title", d.title());
        if (d.description() != null) text(1, "description", d.description());
        line(1, "<memory unit='KiB'>" + d.memoryKiB() + "</memory>");
        if (d.currentMemoryKiB() != null) line(1, "<currentMemory unit='KiB'>" + d.currentMemoryKiB() + "</currentMemory>");
        if (d.memoryLocked()) {
            line(1, "<memoryBacking>");
            line(2, "<locked/>");
            line(1, "</memoryBacking>");
        }
        line(1, "<vcpu" + attr("placement", d.vcpuPlacement()) + ">" + d.vcpus() + "</vcpu>");
        if (!d.vcpuPins().isEmpty()) {
            line(1, "<cputune>");
            for (var p : d.vcpuPins()) line(2, "<vcpupin vcpu='" + p.vcpu() + "' cpuset=" + q(p.cpuset()) + "/>");
            line(1, "</cputune>");
        }
        if (d.sysinfo() != null) sysinfo(d.sysinfo());
        if (d.bootloader() != null) text(1, "bootloader", d.bootloader());
        if (d.bootloaderArgs() != null) text(1, "bootloader_args", d.bootloaderArgs());
        os(d.os());
        if (!d.features().isEmpty()) {
            line(1, "<features>");
            if (d.features().acpi()) line(2, "<acpi/>");
            if (d.features().apic()) line(2, "<apic/>");
            if (d.features().msrsUnknown() != null) line(2, "<msrs unknown=" + q(d.features().msrsUnknown()) + "/>");
            line(1, "</features>");
        }
        if (d.topology() != null) {
            var t = d.topology();
            line(1, "<cpu>");
            line(2, "<topology sockets='" + t.sockets() + "'" + attr("dies", t.dies()) + attr("clusters", t.clusters())
                    + " cores='" + t.cores() + "' threads='" + t.threads() + "'/>");
            line(1, "</cpu>");
        }
        if (d.clockOffset() != null) line(1, "<clock offset=" + q(d.clockOffset()) + "/>");
        if (d.onPoweroff() != null) text(1, "on_poweroff", d.onPoweroff());
        if (d.onReboot() != null) text(1, "on_reboot", d.onReboot());
        if (d.onCrash() != null) text(1, "on_crash", d.onCrash());
        devices(d.devices());
        if (!d.commandline().isEmpty()) {
            line(1, "<bhyve:commandline>");
            for (var a : d.commandline()) line(2, "<bhyve:arg value=" + q(a) + "/>");
            line(1, "</bhyve:commandline>");
        }
        line(0, "</domain>");
    }

    private void os(Os os) {
        line(1, "<os" + attr("firmware", os.firmware()) + ">");
        line(2, "<type" + attr("arch", os.arch()) + attr("machine", os.machine()) + ">" + esc(os.type()) + "</type>");
        if (os.loader() != null) {
            var l = os.loader();
            line(2, "<loader" + attr("readonly", l.readonly()) + attr("type", l.type()) + ">" + esc(l.path()) + "</loader>");
        }
        if (os.nvram() != null) {
            var n = os.nvram();
            var a = attr("template", n.template());
            line(2, n.path() == null ? "<nvram" + a + "/>" : "<nvram" + a + ">" + esc(n.path()) + "</nvram>");
        }
        if (os.kernel() != null) line(2, "<kernel>" + esc(os.kernel()) + "</kernel>");
        if (os.initrd() != null) line(2, "<initrd>" + esc(os.initrd()) + "</initrd>");
        if (os.cmdline() != null) line(2, "<cmdline>" + esc(os.cmdline()) + "</cmdline>");
        for (var b : os.bootDevs()) line(2, "<boot dev=" + q(b) + "/>");
        line(1, "</os>");
    }

    private void sysinfo(Sysinfo s) {
        line(1, "<sysinfo type=" + q(s.type()) + ">");
        for (var sec : s.sections().entrySet()) {
            line(2, "<" + sec.getKey() + ">");
            for (var e : sec.getValue().entrySet()) {
                line(3, "<entry name=" + q(e.getKey()) + ">" + esc(e.getValue()) + "</entry>");
            }
            line(2, "</" + sec.getKey() + ">");
        }
        line(1, "</sysinfo>");
    }

    private void devices(Devices d) {
        if (d.isEmpty()) return;
        line(1, "<devices>");
        for (var x : d.disks()) disk(x);
        for (var x : d.controllers()) controller(x);
        for (var x : d.filesystems()) filesystem(x);
        for (var x : d.interfaces()) netInterface(x);
        for (var x : d.serials()) chr("serial", x);
        for (var x : d.consoles()) chr("console", x);
        for (var x : d.channels()) channel(x);
        for (var x : d.inputs()) line(2, "<input type=" + q(x.type()) + attr("bus", x.bus()) + "/>");
        for (var x : d.graphics()) graphics(x);
        for (var x : d.sounds()) sound(x);
        for (var x : d.audios()) audio(x);
        for (var x : d.videos()) video(x);
        for (var x : d.hostdevs()) hostdev(x);
        for (var x : d.rngs()) rng(x);
        line(1, "</devices>");
    }

    private void disk(Disk x) {
        line(2, "<disk type=" + q(x.type()) + attr("device", x.device()) + ">");
        if (x.driverName() != null || x.driverType() != null || x.queues() != null || x.queueSize() != null) {
            line(3, "<driver" + attr("name", x.driverName()) + attr("type", x.driverType()) + attr("queues", x.queues())
                    + attr("queue_size", x.queueSize()) + "/>");
        }
        if (x.sourceFile() != null || x.sourcePool() != null || x.sourceVolume() != null) {
            line(3, "<source" + attr("file", x.sourceFile()) + attr("pool", x.sourcePool())
                    + attr("volume", x.sourceVolume()) + "/>");
        }
        line(3, "<target dev=" + q(x.targetDev()) + attr("bus", x.targetBus()) + attr("rotation_rate", x.rotationRate()) + "/>");
        if (x.bootOrder() != null) line(3, "<boot order='" + x.bootOrder() + "'/>");
        if (x.readonly()) line(3, "<readonly/>");
        if (x.serial() != null) text(3, "serial", x.serial());
        if (x.wwn() != null) text(3, "wwn", x.wwn());
        address(3, x.address());
        line(2, "</disk>");
    }

    private void controller(Controller x) {
        var head = "<controller type=" + q(x.type()) + attr("index", x.index()) + attr("model", x.model())
                + attr("ports", x.ports());
        if (x.serial() == null && x.address() == null) {
            line(2, head + "/>");
            return;
        }
        line(2, head + ">");
        if (x.serial() != null) text(3, "serial", x.serial());
        address(3, x.address());
        line(2, "</controller>");
    }

    private void filesystem(Filesystem x) {
        line(2, "<filesystem" + attr("type", x.type()) + attr("accessmode", x.accessmode()) + ">");
        if (x.driverType() != null) line(3, "<driver type=" + q(x.driverType()) + "/>");
        line(3, "<source dir=" + q(x.sourceDir()) + "/>");
        line(3, "<target dir=" + q(x.targetDir()) + "/>");
        if (x.readonly()) line(3, "<readonly/>");
        address(3, x.address());
        line(2, "</filesystem>");
    }

    private void netInterface(NetInterface x) {
        line(2, "<interface type=" + q(x.type()) + ">");
        if (x.mac() != null) line(3, "<mac address=" + q(x.mac()) + "/>");
        if (x.sourceBridge() != null || x.sourceNetwork() != null) {
            line(3, "<source" + attr("bridge", x.sourceBridge()) + attr("network", x.sourceNetwork()) + "/>");
        }
        for (var ip : x.ips()) line(3, "<ip address=" + q(ip) + "/>");
        if (x.targetDev() != null) line(3, "<target dev=" + q(x.targetDev()) + "/>");
        if (x.model() != null) line(3, "<model type=" + q(x.model()) + "/>");
        if (x.bootOrder() != null) line(3, "<boot order='" + x.bootOrder() + "'/>");
        address(3, x.address());
        line(2, "</interface>");
    }

    private void chr(String element, Serial x) {
        boolean hasSource = x.master() != null || x.slave() != null || x.mode() != null || x.host() != null
                || x.service() != null;
        boolean hasTarget = x.targetType() != null || x.targetPort() != null;
        if (!hasSource && !hasTarget && x.protocol() == null) {
            line(2, "<" + element + " type=" + q(x.type()) + "/>");
            return;
        }
        line(2, "<" + element + " type=" + q(x.type()) + ">");
        if (hasSource) {
            line(3, "<source" + attr("mode", x.mode()) + attr("host", x.host()) + attr("service", x.service())
                    + attr("master", x.master()) + attr("slave", x.slave()) + "/>");
        }
        if (x.protocol() != null) line(3, "<protocol type=" + q(x.protocol()) + "/>");
        if (hasTarget) line(3, "<target" + attr("type", x.targetType()) + attr("port", x.targetPort()) + "/>");
        line(2, "</" + element + ">");
    }

    private void channel(Channel x) {
        line(2, "<channel type=" + q(x.type()) + ">");
        if (x.sourceMode() != null || x.sourcePath() != null) {
            line(3, "<source" + attr("mode", x.sourceMode()) + attr("path", x.sourcePath()) + "/>");
        }
        line(3, "<target type=" + q(x.targetType()) + attr("name", x.targetName()) + "/>");
        address(3, x.address());
        line(2, "</channel>");
    }

    private void graphics(Graphics x) {
        var head = "<graphics type=" + q(x.type()) + attr("port", x.port())
                + attr("autoport", x.autoport() == null ? null : x.autoport() ? "yes" : "no")
                + attr("listen", x.listenAttr()) + attr("passwd", x.passwd())
                + attr("wait", x.waitForClient() == null ? null : x.waitForClient() ? "yes" : "no");
        if (x.listenType() == null) {
            line(2, head + "/>");
            return;
        }
        line(2, head + ">");
        line(3, "<listen type=" + q(x.listenType()) + attr("address", x.listenAddress()) + "/>");
        line(2, "</graphics>");
    }

    private void sound(Sound x) {
        if (x.audioId() == null && x.address() == null) {
            line(2, "<sound model=" + q(x.model()) + "/>");
            return;
        }
        line(2, "<sound model=" + q(x.model()) + ">");
        if (x.audioId() != null) line(3, "<audio id='" + x.audioId() + "'/>");
        address(3, x.address());
        line(2, "</sound>");
    }

    private void audio(Audio x) {
        var head = "<audio id='" + x.id() + "' type=" + q(x.type());
        if (x.inputDev() == null && x.outputDev() == null) {
            line(2, head + "/>");
            return;
        }
        line(2, head + ">");
        if (x.inputDev() != null) line(3, "<input dev=" + q(x.inputDev()) + "/>");
        if (x.outputDev() != null) line(3, "<output dev=" + q(x.outputDev()) + "/>");
        line(2, "</audio>");
    }

    private void video(Video x) {
        line(2, "<video>");
        if (x.vgaconf() != null) line(3, "<driver vgaconf=" + q(x.vgaconf()) + "/>");
        var head = "<model" + attr("type", x.modelType()) + attr("heads", x.heads())
                + attr("primary", x.primary() == null ? null : x.primary() ? "yes" : "no");
        if (x.resolutionX() == null) {
            line(3, head + "/>");
        } else {
            line(3, head + ">");
            line(4, "<resolution x='" + x.resolutionX() + "' y='" + x.resolutionY() + "'/>");
            line(3, "</model>");
        }
        address(3, x.address());
        line(2, "</video>");
    }

    private void hostdev(Hostdev x) {
        line(2, "<hostdev" + attr("mode", x.mode()) + attr("type", x.type()) + attr("managed", x.managed()) + ">");
        line(3, "<source>");
        var s = x.source();
        line(4, "<address domain=" + q(hex(s.domain(), 4)) + " bus=" + q(hex(s.bus(), 2)) + " slot=" + q(hex(s.slot(), 2))
                + " function=" + q(hex(s.function(), 1)) + "/>");
        line(3, "</source>");
        address(3, x.address());
        line(2, "</hostdev>");
    }

    private void rng(Rng x) {
        line(2, "<rng model=" + q(x.model()) + ">");
        var b = "<backend model=" + q(x.backendModel());
        line(3, x.backendSource() == null ? b + "/>" : b + ">" + esc(x.backendSource()) + "</backend>");
        address(3, x.address());
        line(2, "</rng>");
    }

    private void address(int depth, Address a) {
        switch (a) {
            case null -> {}
            case Address.Pci p -> line(depth, "<address type='pci' domain=" + q(hex(p.domain(), 4)) + " bus="
                    + q(hex(p.bus(), 2)) + " slot=" + q(hex(p.slot(), 2)) + " function=" + q(hex(p.function(), 1)) + "/>");
            case Address.Drive d -> line(depth, "<address type='drive' controller='" + d.controller() + "' bus='"
                    + d.bus() + "' target='" + d.target() + "' unit='" + d.unit() + "'/>");
            case Address.VirtioSerial v -> line(depth, "<address type='virtio-serial' controller='" + v.controller()
                    + "' bus='" + v.bus() + "' port='" + v.port() + "'/>");
        }
    }

    private static String hex(int v, int digits) { return String.format("0x%0" + digits + "x", v); }

    private void text(int depth, String element, String value) {
        line(depth, "<" + element + ">" + esc(value) + "</" + element + ">");
    }

    private void line(int depth, String s) {
        out.append("  ".repeat(depth)).append(s).append('\n');
    }

    private static String attr(String name, Object value) {
        return value == null ? "" : " " + name + "=" + q(value.toString());
    }

    private static String q(String v) {
        return "'" + v.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;").replace("\"", "&quot;") + "'";
    }

    private static String esc(String v) {
        return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Every element name the writer can produce under {@code <devices>}, for documentation and tests. */
    public static final List<String> DEVICE_ELEMENTS = List.of("disk", "controller", "filesystem", "interface",
            "serial", "console", "channel", "input", "graphics", "sound", "audio", "video", "hostdev", "rng");
}
