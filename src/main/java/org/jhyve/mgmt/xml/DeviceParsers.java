package org.jhyve.mgmt.xml;

import java.util.ArrayList;
import java.util.regex.Pattern;

/** The {@code <devices>} children, one method per element kind. */
final class DeviceParsers {
    private DeviceParsers() {}

    static Address address(XmlElement x) throws DomainXmlException {
        x.allow("type", "domain", "bus", "slot", "function", "controller", "target", "unit", "port", "multifunction");
        var type = x.requiredAttr("type");
        return switch (type) {
            case "pci" -> pci(x);
            case "drive" -> new Address.Drive(orZero(x.intAttr("controller")), orZero(x.intAttr("bus")),
                    orZero(x.intAttr("target")), orZero(x.intAttr("unit")));
            case "virtio-serial" -> new Address.VirtioSerial(orZero(x.intAttr("controller")), orZero(x.intAttr("bus")),
                    orZero(x.intAttr("port")));
            default -> throw DomainXmlException.unsupported("address type '" + type + "' in <address> is not supported");
        };
    }

    static Address.Pci pci(XmlElement x) throws DomainXmlException {
        int domain = orZero(x.intAttr("domain")), bus = orZero(x.intAttr("bus")), slot = orZero(x.intAttr("slot"));
        int function = orZero(x.intAttr("function"));
        try {
            return new Address.Pci(domain, bus, slot, function);
        } catch (IllegalArgumentException e) {
            throw DomainXmlException.xml(e.getMessage() + " in <address>");
        }
    }

    private static int orZero(Integer v) { return v == null ? 0 : v; }

    static Disk disk(XmlElement x) throws DomainXmlException {
        x.allow("type", "device");
        var type = x.enumAttr("type", "file", "volume", "block", "dir", "network", "nvme", "vhostuser");
        if (type == null) throw DomainXmlException.xml("missing attribute 'type' in <disk>");
        var device = x.enumAttr("device", "disk", "cdrom", "floppy", "lun");
        String driverName = null, driverType = null, file = null, pool = null, volume = null, dev = null, bus = null;
        String serial = null, wwn = null;
        Integer queues = null, queueSize = null, rotation = null;
        Long boot = null;
        boolean readonly = false;
        Address address = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "driver" -> {
                    c.allow("name", "type", "queues", "queue_size");
                    driverName = c.attr("name");
                    driverType = c.attr("type");
                    queues = c.intAttr("queues");
                    queueSize = c.intAttr("queue_size");
                }
                case "source" -> {
                    c.allow("file", "pool", "volume", "dev");
                    file = c.attr("file");
                    pool = c.attr("pool");
                    volume = c.attr("volume");
                    if (c.attr("dev") != null) {
                        throw DomainXmlException.unsupported("attribute 'dev' in <source> of a disk is not supported (only file and volume sources)");
                    }
                }
                case "target" -> {
                    c.allow("dev", "bus", "rotation_rate");
                    dev = c.requiredAttr("dev");
                    bus = c.attr("bus");
                    rotation = c.intAttr("rotation_rate");
                }
                case "readonly" -> {
                    c.allow();
                    readonly = true;
                }
                case "serial" -> {
                    c.allow();
                    serial = c.text();
                }
                case "wwn" -> {
                    c.allow();
                    wwn = c.text();
                }
                case "boot" -> boot = bootOrder(c);
                case "address" -> address = address(c);
                default -> throw x.unknownChild(c);
            }
        }
        if (dev == null) throw DomainXmlException.xml("missing <target> in <disk>");
        return new Disk(type, device, driverName, driverType, queues, queueSize, file, pool, volume, dev, bus, rotation,
                readonly, serial, wwn, boot, address);
    }

    private static long bootOrder(XmlElement c) throws DomainXmlException {
        c.allow("order");
        Long v = c.longAttr("order", 0, 0xFFFFFFFFL);
        if (v == null) throw DomainXmlException.xml("missing attribute 'order' in <boot>");
        if (v < 1) throw DomainXmlException.xml("invalid value '" + v + "' for attribute 'order' in <boot> (must be positive)");
        return v;
    }

    static Controller controller(XmlElement x) throws DomainXmlException {
        x.allow("type", "index", "model", "ports");
        var type = x.requiredAttr("type");
        Integer index = x.intAttr("index");
        if (index != null && index < 0) throw DomainXmlException.xml("invalid value '" + index + "' for attribute 'index' in <controller>");
        String serial = null;
        Address address = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "serial" -> {
                    c.allow();
                    serial = c.text();
                }
                case "address" -> address = address(c);
                default -> throw x.unknownChild(c);
            }
        }
        return new Controller(type, index, x.attr("model"), x.intAttr("ports"), serial, address);
    }

    static Filesystem filesystem(XmlElement x) throws DomainXmlException {
        x.allow("type", "accessmode");
        String driver = null, src = null, dst = null;
        boolean ro = false;
        Address address = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "driver" -> {
                    c.allow("type");
                    driver = c.attr("type");
                }
                case "source" -> {
                    c.allow("dir");
                    src = c.requiredAttr("dir");
                }
                case "target" -> {
                    c.allow("dir");
                    dst = c.requiredAttr("dir");
                }
                case "readonly" -> {
                    c.allow();
                    ro = true;
                }
                case "address" -> address = address(c);
                default -> throw x.unknownChild(c);
            }
        }
        if (src == null) throw DomainXmlException.xml("missing <source> in <filesystem>");
        if (dst == null) throw DomainXmlException.xml("missing <target> in <filesystem>");
        return new Filesystem(x.attr("type"), x.attr("accessmode"), driver, src, dst, ro, address);
    }

    static NetInterface netInterface(XmlElement x, Pattern macPattern) throws DomainXmlException {
        x.allow("type");
        var type = x.enumAttr("type", "bridge", "network", "user");
        if (type == null) throw DomainXmlException.xml("missing attribute 'type' in <interface>");
        String mac = null, model = null, bridge = null, network = null, target = null;
        Long boot = null;
        var ips = new ArrayList<String>();
        Address address = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "mac" -> {
                    c.allow("address");
                    mac = c.requiredAttr("address");
                    if (!macPattern.matcher(mac).matches()) throw DomainXmlException.xml("unable to parse mac address '" + mac + "' in <mac>");
                    mac = normaliseMac(mac);
                }
                case "model" -> {
                    c.allow("type");
                    model = c.requiredAttr("type");
                }
                case "source" -> {
                    c.allow("bridge", "network");
                    bridge = c.attr("bridge");
                    network = c.attr("network");
                }
                case "target" -> {
                    c.allow("dev");
                    target = c.requiredAttr("dev");
                }
                case "ip" -> {
                    c.allow("address", "prefix", "family");
                    ips.add(c.requiredAttr("address"));
                }
                case "boot" -> boot = bootOrder(c);
                case "address" -> address = address(c);
                default -> throw x.unknownChild(c);
            }
        }
        if (type.equals("bridge") && bridge == null) throw DomainXmlException.xml("missing attribute 'bridge' in <source> of a bridge interface");
        if (type.equals("network") && network == null) throw DomainXmlException.xml("missing attribute 'network' in <source> of a network interface");
        return new NetInterface(type, mac, model, bridge, network, target, ips, boot, address);
    }

    static String normaliseMac(String mac) {
        var parts = mac.toLowerCase().split(":");
        var sb = new StringBuilder();
        for (var p : parts) {
            if (!sb.isEmpty()) sb.append(':');
            sb.append(p.length() == 1 ? "0" + p : p);
        }
        return sb.toString();
    }

    static Serial chr(XmlElement x, boolean console) throws DomainXmlException {
        x.allow("type");
        var type = x.requiredAttr("type");
        String master = null, slave = null, mode = null, host = null, service = null, protocol = null, ttype = null;
        Integer port = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "source" -> {
                    c.allow("master", "slave", "mode", "host", "service", "path");
                    master = c.attr("master");
                    slave = c.attr("slave");
                    mode = c.attr("mode");
                    host = c.attr("host");
                    service = c.attr("service");
                    if (c.attr("path") != null) {
                        throw DomainXmlException.unsupported("attribute 'path' in <source> of <" + x.name() + "> is not supported");
                    }
                }
                case "protocol" -> {
                    c.allow("type");
                    protocol = c.requiredAttr("type");
                }
                case "target" -> {
                    c.allow("port", "type");
                    port = c.intAttr("port");
                    ttype = c.attr("type");
                    if (port != null && port < 0) throw DomainXmlException.xml("invalid value '" + port + "' for attribute 'port' in <target>");
                }
                default -> throw x.unknownChild(c);
            }
        }
        if (!console && ttype != null) throw DomainXmlException.unsupported("attribute 'type' in <target> of <serial> is not supported");
        return new Serial(type, master, slave, mode, host, service, protocol, ttype, port);
    }

    static Channel channel(XmlElement x) throws DomainXmlException {
        x.allow("type");
        var type = x.requiredAttr("type");
        String mode = null, path = null, ttype = null, tname = null;
        Address address = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "source" -> {
                    c.allow("mode", "path");
                    mode = c.attr("mode");
                    path = c.attr("path");
                }
                case "target" -> {
                    c.allow("type", "name");
                    ttype = c.requiredAttr("type");
                    tname = c.attr("name");
                }
                case "address" -> address = address(c);
                default -> throw x.unknownChild(c);
            }
        }
        if (ttype == null) throw DomainXmlException.xml("missing <target> in <channel>");
        return new Channel(type, mode, path, ttype, tname, address);
    }

    static Input input(XmlElement x) throws DomainXmlException {
        x.allow("type", "bus");
        for (var c : x.children()) throw x.unknownChild(c);
        return new Input(x.requiredAttr("type"), x.attr("bus"));
    }

    static Graphics graphics(XmlElement x) throws DomainXmlException {
        x.allow("type", "port", "autoport", "listen", "passwd", "wait");
        String ltype = null, laddr = null;
        for (var c : x.children()) {
            if (!c.name().equals("listen")) throw x.unknownChild(c);
            c.allow("type", "address");
            ltype = c.requiredAttr("type");
            laddr = c.attr("address");
        }
        Integer port = x.intAttr("port");
        if (port != null && (port < -1 || port > 65535)) throw DomainXmlException.xml("invalid value '" + port + "' for attribute 'port' in <graphics>");
        return new Graphics(x.requiredAttr("type"), port, x.boolAttr("autoport"), x.attr("listen"), x.attr("passwd"),
                x.boolAttr("wait"), ltype, laddr);
    }

    static Sound sound(XmlElement x) throws DomainXmlException {
        x.allow("model");
        Integer audio = null;
        Address address = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "audio" -> {
                    c.allow("id");
                    audio = c.intAttr("id");
                    if (audio == null) throw DomainXmlException.xml("missing attribute 'id' in <audio>");
                }
                case "address" -> address = address(c);
                default -> throw x.unknownChild(c);
            }
        }
        return new Sound(x.requiredAttr("model"), audio, address);
    }

    static Audio audio(XmlElement x) throws DomainXmlException {
        x.allow("id", "type");
        Integer id = x.intAttr("id");
        if (id == null || id < 1) throw DomainXmlException.xml("missing or invalid attribute 'id' in <audio> (must be positive)");
        String in = null, out = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "input" -> {
                    c.allow("dev");
                    in = c.attr("dev");
                }
                case "output" -> {
                    c.allow("dev");
                    out = c.attr("dev");
                }
                default -> throw x.unknownChild(c);
            }
        }
        return new Audio(id, x.requiredAttr("type"), in, out);
    }

    static Video video(XmlElement x) throws DomainXmlException {
        x.allow();
        String mtype = null, vga = null;
        Integer heads = null, rx = null, ry = null;
        Boolean primary = null;
        Address address = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "model" -> {
                    c.allow("type", "heads", "primary", "vram");
                    mtype = c.attr("type");
                    heads = c.intAttr("heads");
                    primary = c.boolAttr("primary");
                    for (var r : c.children()) {
                        if (!r.name().equals("resolution")) throw c.unknownChild(r);
                        r.allow("x", "y");
                        rx = r.intAttr("x");
                        ry = r.intAttr("y");
                        if (rx == null || ry == null) throw DomainXmlException.xml("missing attribute 'x' or 'y' in <resolution>");
                    }
                }
                case "driver" -> {
                    c.allow("vgaconf");
                    vga = c.enumAttr("vgaconf", "on", "off", "io");
                }
                case "address" -> address = address(c);
                default -> throw x.unknownChild(c);
            }
        }
        return new Video(mtype, heads, primary, rx, ry, vga, address);
    }

    static Hostdev hostdev(XmlElement x) throws DomainXmlException {
        x.allow("mode", "type", "managed");
        Address.Pci src = null;
        Address address = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "source" -> {
                    c.allow();
                    for (var a : c.children()) {
                        if (!a.name().equals("address")) throw c.unknownChild(a);
                        a.allow("domain", "bus", "slot", "function");
                        src = pci(a);
                    }
                }
                case "address" -> address = address(c);
                default -> throw x.unknownChild(c);
            }
        }
        if (src == null) throw DomainXmlException.xml("missing <source><address> in <hostdev>");
        return new Hostdev(x.attr("mode"), x.attr("type"), x.attr("managed"), src, address);
    }

    static Rng rng(XmlElement x) throws DomainXmlException {
        x.allow("model");
        String bmodel = null, bsource = null;
        Address address = null;
        for (var c : x.children()) {
            switch (c.name()) {
                case "backend" -> {
                    c.allow("model");
                    bmodel = c.requiredAttr("model");
                    var t = c.text();
                    bsource = t.isEmpty() ? null : t;
                }
                case "address" -> address = address(c);
                default -> throw x.unknownChild(c);
            }
        }
        if (bmodel == null) throw DomainXmlException.xml("missing <backend> in <rng>");
        return new Rng(x.requiredAttr("model"), bmodel, bsource, address);
    }
}
