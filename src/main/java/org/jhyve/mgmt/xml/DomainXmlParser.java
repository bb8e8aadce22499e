package org.jhyve.mgmt.xml;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Reads libvirt domain XML into a {@link Domain}. Everything the bhyve driver understands is
 * accepted; any other element or attribute is refused with a message naming it, because silently
 * dropping configuration would start a guest different from the one the user described.
 */
public final class DomainXmlParser {
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}");
    private static final Pattern MAC = Pattern.compile("([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}");
    private static final Pattern NAME_OK = Pattern.compile("[^/\\n]+");

    private DomainXmlParser() {}

    public static Domain parse(String xml) throws DomainXmlException {
        var f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        try {
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            var b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            var doc = b.parse(new InputSource(new StringReader(xml)));
            return parseDomain(new XmlElement(doc.getDocumentElement()));
        } catch (SAXException e) {
            throw DomainXmlException.xml("malformed XML: " + e.getMessage());
        } catch (ParserConfigurationException | IOException e) {
            throw new DomainXmlException(DomainXmlException.Kind.INTERNAL_ERROR, "cannot read XML: " + e.getMessage(), e);
        }
    }

    private static Domain parseDomain(XmlElement root) throws DomainXmlException {
        if (!"domain".equals(root.name())) {
            throw DomainXmlException.xml("expected root element <domain>, found <" + root.qualifiedName() + ">");
        }
        root.allow("type", "id");
        var type = root.requiredAttr("type");
        if (!type.equals("bhyve") && !type.equals("jhyve")) {
            throw DomainXmlException.unsupported("domain type '" + type + "' is not supported (expected 'bhyve')");
        }
        String name = null, uuid = null, title = null, description = null, placement = null;
        String bootloader = null, bootloaderArgs = null, clock = null, onPoweroff = null, onReboot = null;
        String onCrash = null;
        Long memory = null, current = null;
        boolean locked = false;
        Integer vcpus = null;
        CpuTopology topology = null;
        List<VcpuPin> pins = List.of();
        Os os = null;
        Features features = Features.NONE;
        Sysinfo sysinfo = null;
        Devices devices = Devices.EMPTY;
        List<String> cmdline = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (var c : root.children()) {
            if (Domain.BHYVE_NS.equals(c.namespace())) {
                if (!c.name().equals("commandline")) throw root.unknownChild(c);
                cmdline.addAll(parseCommandline(c));
                continue;
            }
            if (c.namespace() != null) throw root.unknownChild(c);
            if (!seen.add(c.name())) {
                throw DomainXmlException.xml("element <" + c.name() + "> appears more than once in <domain>");
            }
            switch (c.name()) {
                case "name" -> {
                    c.allow();
                    name = c.text();
                }
                case "uuid" -> {
                    c.allow();
                    uuid = parseUuid(c.text());
                }
                case "title" -> {
                    c.allow();
                    title = c.text();
                }
                case "description" -> {
                    c.allow();
                    description = c.text();
                }
                case "memory" -> memory = parseMemory(c);
                case "currentMemory" -> current = parseMemory(c);
                case "memoryBacking" -> locked = parseMemoryBacking(c);
                case "vcpu" -> {
                    c.allow("placement", "current");
                    placement = c.enumAttr("placement", "static", "auto");
                    vcpus = parsePositive(c, c.text());
                }
                case "cpu" -> topology = parseCpu(c);
                case "cputune" -> pins = parseCputune(c);
                case "os" -> os = parseOs(c);
                case "bootloader" -> {
                    c.allow();
                    bootloader = c.text();
                }
                case "bootloader_args" -> {
                    c.allow();
                    bootloaderArgs = c.text();
                }
                case "features" -> features = parseFeatures(c);
                case "clock" -> {
                    c.allow("offset");
                    for (var x : c.children()) throw c.unknownChild(x);
                    clock = c.requiredAttr("offset");
                    if (!Set.of("utc", "localtime", "timezone", "variable", "absolute").contains(clock)) {
                        throw DomainXmlException.xml("unknown clock offset '" + clock + "' in <clock>");
                    }
                }
                case "on_poweroff" -> onPoweroff = lifecycle(c, "destroy", "restart");
                case "on_reboot" -> onReboot = lifecycle(c, "destroy", "restart");
                case "on_crash" -> onCrash = lifecycle(c, "destroy", "restart");
                case "sysinfo" -> sysinfo = parseSysinfo(c);
                case "devices" -> devices = parseDevices(c);
                default -> throw root.unknownChild(c);
            }
        }
        if (name == null || name.isEmpty()) throw DomainXmlException.xml("missing <name> in <domain>");
        if (!NAME_OK.matcher(name).matches()) {
            throw DomainXmlException.xml("name '" + name + "' in <name> may not contain '/' or a newline");
        }
        if (memory == null) throw DomainXmlException.xml("missing <memory> in <domain>");
        if (vcpus == null) vcpus = 1;
        return new Domain(type, name, uuid, title, description, memory, current, locked, vcpus, placement, topology,
                pins, os, bootloader, bootloaderArgs, features, clock, onPoweroff, onReboot, onCrash, sysinfo,
                devices, cmdline);
    }

    static String parseUuid(String text) throws DomainXmlException {
        if (!UUID.matcher(text).matches()) throw DomainXmlException.xml("malformed uuid '" + text + "' in <uuid>");
        var hex = text.replace("-", "").toLowerCase();
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }

    private static int parsePositive(XmlElement c, String text) throws DomainXmlException {
        try {
            int v = Integer.parseInt(text);
            if (v < 1) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw DomainXmlException.xml("invalid value '" + text + "' in <" + c.name() + "> (expected a positive number)");
        }
    }

    private static String lifecycle(XmlElement c, String... allowed) throws DomainXmlException {
        c.allow();
        var v = c.text();
        for (var a : allowed) if (a.equals(v)) return v;
        throw DomainXmlException.unsupported("value '" + v + "' in <" + c.name() + "> is not supported (expected "
                + String.join(" or ", allowed) + ")");
    }

    private static long parseMemory(XmlElement c) throws DomainXmlException {
        c.allow("unit");
        return MemoryUnits.toKiB(c.text(), c.attr("unit"), c.name());
    }

    private static boolean parseMemoryBacking(XmlElement c) throws DomainXmlException {
        c.allow();
        boolean locked = false;
        for (var x : c.children()) {
            if (!x.name().equals("locked")) throw c.unknownChild(x);
            x.allow();
            locked = true;
        }
        return locked;
    }

    private static CpuTopology parseCpu(XmlElement c) throws DomainXmlException {
        c.allow("mode", "match", "check");
        CpuTopology t = null;
        for (var x : c.children()) {
            if (!x.name().equals("topology")) throw c.unknownChild(x);
            x.allow("sockets", "dies", "clusters", "cores", "threads");
            t = new CpuTopology(positive(x, "sockets"), x.intAttr("dies"), x.intAttr("clusters"), positive(x, "cores"),
                    positive(x, "threads"));
        }
        return t;
    }

    private static int positive(XmlElement x, String attr) throws DomainXmlException {
        Integer v = x.intAttr(attr);
        if (v == null) throw DomainXmlException.xml("missing attribute '" + attr + "' in <" + x.name() + ">");
        if (v < 1) throw DomainXmlException.xml("invalid value '" + v + "' for attribute '" + attr + "' in <" + x.name() + ">");
        return v;
    }

    private static List<VcpuPin> parseCputune(XmlElement c) throws DomainXmlException {
        c.allow();
        var out = new ArrayList<VcpuPin>();
        for (var x : c.children()) {
            if (!x.name().equals("vcpupin")) throw c.unknownChild(x);
            x.allow("vcpu", "cpuset");
            Integer vcpu = x.intAttr("vcpu");
            if (vcpu == null || vcpu < 0) throw DomainXmlException.xml("missing or negative attribute 'vcpu' in <vcpupin>");
            out.add(new VcpuPin(vcpu, x.requiredAttr("cpuset")));
        }
        return out;
    }

    private static Os parseOs(XmlElement c) throws DomainXmlException {
        c.allow("firmware");
        var firmware = c.enumAttr("firmware", "efi");
        String type = null, arch = null, machine = null;
        Loader loader = null;
        Nvram nvram = null;
        var boots = new ArrayList<String>();
        String kernel = null, initrd = null, cmdline = null;
        for (var x : c.children()) {
            switch (x.name()) {
                case "kernel" -> {
                    x.allow();
                    kernel = nonEmpty(x, "kernel");
                }
                case "initrd" -> {
                    x.allow();
                    initrd = nonEmpty(x, "initrd");
                }
                case "cmdline" -> {
                    x.allow();
                    cmdline = x.text();
                }
                case "type" -> {
                    x.allow("arch", "machine");
                    type = x.text();
                    if (!type.equals("hvm")) throw DomainXmlException.unsupported("os type '" + type + "' in <type> is not supported (expected hvm)");
                    arch = x.attr("arch");
                    if (arch != null && !arch.equals("x86_64")) {
                        throw DomainXmlException.unsupported("architecture '" + arch + "' in <type> is not supported (expected x86_64)");
                    }
                    machine = x.attr("machine");
                }
                case "loader" -> {
                    x.allow("readonly", "type");
                    loader = new Loader(x.text(), x.enumAttr("readonly", "yes", "no"), x.enumAttr("type", "pflash", "rom"));
                }
                case "nvram" -> {
                    x.allow("template");
                    var t = x.text();
                    nvram = new Nvram(t.isEmpty() ? null : t, x.attr("template"));
                }
                case "boot" -> {
                    x.allow("dev");
                    boots.add(x.enumAttr("dev", "hd", "cdrom", "fd", "network"));
                    if (boots.getLast() == null) throw DomainXmlException.xml("missing attribute 'dev' in <boot>");
                }
                default -> throw c.unknownChild(x);
            }
        }
        if (type == null) throw DomainXmlException.xml("missing <type> in <os>");
        if (kernel == null && (initrd != null || cmdline != null)) {
            throw DomainXmlException.xml("<initrd> and <cmdline> in <os> need a <kernel>");
        }
        return new Os(type, arch, machine, firmware, loader, nvram, boots, kernel, initrd, cmdline);
    }

    private static String nonEmpty(XmlElement x, String what) throws DomainXmlException {
        var t = x.text();
        if (t.isEmpty()) throw DomainXmlException.xml("empty <" + what + "> in <os>");
        return t;
    }

    private static Features parseFeatures(XmlElement c) throws DomainXmlException {
        c.allow();
        boolean acpi = false, apic = false;
        String msrs = null;
        for (var x : c.children()) {
            switch (x.name()) {
                case "acpi" -> {
                    x.allow();
                    acpi = true;
                }
                case "apic" -> {
                    x.allow();
                    apic = true;
                }
                case "msrs" -> {
                    x.allow("unknown");
                    msrs = x.enumAttr("unknown", "ignore", "fault");
                    if (msrs == null) throw DomainXmlException.xml("missing attribute 'unknown' in <msrs>");
                }
                default -> throw c.unknownChild(x);
            }
        }
        return new Features(acpi, apic, msrs);
    }

    private static final Map<String, Set<String>> SYSINFO_ENTRIES = Map.of(
            "bios", Set.of("vendor", "version", "date"),
            "system", Set.of("manufacturer", "product", "version", "serial", "sku", "family"),
            "baseBoard", Set.of("manufacturer", "product", "version", "serial", "asset", "location"),
            "chassis", Set.of("manufacturer", "version", "serial", "asset", "sku"));

    private static Sysinfo parseSysinfo(XmlElement c) throws DomainXmlException {
        c.allow("type");
        var type = c.requiredAttr("type");
        if (!type.equals("smbios")) throw DomainXmlException.unsupported("sysinfo type '" + type + "' is not supported (expected smbios)");
        var sections = new LinkedHashMap<String, Map<String, String>>();
        for (var s : c.children()) {
            var known = SYSINFO_ENTRIES.get(s.name());
            if (known == null) throw c.unknownChild(s);
            s.allow();
            var entries = new LinkedHashMap<String, String>();
            for (var en : s.children()) {
                if (!en.name().equals("entry")) throw s.unknownChild(en);
                en.allow("name");
                var n = en.requiredAttr("name");
                if (!known.contains(n)) {
                    throw DomainXmlException.unsupported("unknown entry name '" + n + "' in <" + s.name() + ">");
                }
                entries.put(n, en.text());
            }
            sections.put(s.name(), entries);
        }
        return new Sysinfo(type, sections);
    }

    private static List<String> parseCommandline(XmlElement c) throws DomainXmlException {
        c.allow();
        var out = new ArrayList<String>();
        for (var x : c.children()) {
            if (!Domain.BHYVE_NS.equals(x.namespace()) || !x.name().equals("arg")) throw c.unknownChild(x);
            x.allow("value");
            var v = x.attr("value");
            if (v == null) throw DomainXmlException.xml("missing attribute 'value' in <bhyve:arg>");
            out.add(v);
        }
        return out;
    }

    private static Devices parseDevices(XmlElement c) throws DomainXmlException {
        c.allow();
        var disks = new ArrayList<Disk>();
        var controllers = new ArrayList<Controller>();
        var fss = new ArrayList<Filesystem>();
        var nets = new ArrayList<NetInterface>();
        var serials = new ArrayList<Serial>();
        var consoles = new ArrayList<Serial>();
        var channels = new ArrayList<Channel>();
        var inputs = new ArrayList<Input>();
        var graphics = new ArrayList<Graphics>();
        var sounds = new ArrayList<Sound>();
        var audios = new ArrayList<Audio>();
        var videos = new ArrayList<Video>();
        var hostdevs = new ArrayList<Hostdev>();
        var rngs = new ArrayList<Rng>();
        for (var x : c.children()) {
            switch (x.name()) {
                case "disk" -> disks.add(DeviceParsers.disk(x));
                case "controller" -> controllers.add(DeviceParsers.controller(x));
                case "filesystem" -> fss.add(DeviceParsers.filesystem(x));
                case "interface" -> nets.add(DeviceParsers.netInterface(x, MAC));
                case "serial" -> serials.add(DeviceParsers.chr(x, false));
                case "console" -> consoles.add(DeviceParsers.chr(x, true));
                case "channel" -> channels.add(DeviceParsers.channel(x));
                case "input" -> inputs.add(DeviceParsers.input(x));
                case "graphics" -> graphics.add(DeviceParsers.graphics(x));
                case "sound" -> sounds.add(DeviceParsers.sound(x));
                case "audio" -> audios.add(DeviceParsers.audio(x));
                case "video" -> videos.add(DeviceParsers.video(x));
                case "hostdev" -> hostdevs.add(DeviceParsers.hostdev(x));
                case "rng" -> rngs.add(DeviceParsers.rng(x));
                default -> throw c.unknownChild(x);
            }
        }
        return new Devices(disks, controllers, fss, nets, serials, consoles, channels, inputs, graphics, sounds, audios,
                videos, hostdevs, rngs);
    }
}
