package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** What virsh's nodeinfo, capabilities, hostname and version show, from /proc and /sys. */
final class HostInfo {
    /** jhyve's version as the daemon reports it (libvirt prints versions as major.minor.micro). */
    static final String VERSION = "0.1.0";

    private HostInfo() {}

    static String hostname() {
        try {
            var h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) return h;
        } catch (IOException e) {
            // fall through to the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static List<String> cpuinfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String field(List<String> lines, String key) {
        for (var l : lines) {
            int c = l.indexOf(':');
            if (c > 0 && l.substring(0, c).strip().equals(key)) return l.substring(c + 1).strip();
        }
        return null;
    }

    static long memoryKiB() {
        try {
            for (var l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            // unknown
        }
        return 0;
    }

    /** virsh nodeinfo's fields, in its order. */
    static Map<String, Object> nodeinfo() {
        var lines = cpuinfo();
        int cpus = Runtime.getRuntime().availableProcessors();
        var sockets = new TreeSet<String>();
        var cores = new TreeSet<String>();
        String phys = null;
        for (var l : lines) {
            int c = l.indexOf(':');
            if (c < 0) continue;
            var k = l.substring(0, c).strip();
            var v = l.substring(c + 1).strip();
            if (k.equals("physical id")) {
                phys = v;
                sockets.add(v);
            } else if (k.equals("core id")) {
                cores.add(phys + "/" + v);
            }
        }
        int nSockets = Math.max(1, sockets.size());
        int coresPerSocket = Math.max(1, cores.size() / nSockets);
        int threads = Math.max(1, cpus / (nSockets * coresPerSocket));
        double mhz = 0;
        try {
            var f = field(lines, "cpu MHz");
            if (f != null) mhz = Double.parseDouble(f);
        } catch (NumberFormatException e) {
            // unknown
        }
        var m = new LinkedHashMap<String, Object>();
        m.put("cpuModel", System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch"));
        m.put("cpus", (long) cpus);
        m.put("mhz", (long) Math.round(mhz));
        m.put("sockets", (long) nSockets);
        m.put("coresPerSocket", (long) coresPerSocket);
        m.put("threadsPerCore", (long) threads);
        m.put("numaCells", (long) numaNodes());
        m.put("memoryKiB", memoryKiB());
        return m;
    }

    private static int numaNodes() {
        try (var s = Files.list(Path.of("/sys/devices/system/node"))) {
            return (int) Math.max(1, s.filter(p -> p.getFileName().toString().matches("node\\d+")).count());
        } catch (IOException e) {
            return 1;
        }
    }

    /** libvirt's capabilities XML, shortened to what is true for jhyve on this host. */
    static String capabilities(Map<String, Object> node, boolean kvm) {
        var lines = cpuinfo();
        var model = field(lines, "model name");
        var vendor = field(lines, "vendor_id");
        var sb = new StringBuilder();
        sb.append("<capabilities>\n\n  <host>\n");
        sb.append("    <uuid>").append(hostUuid()).append("</uuid>\n");
        sb.append("    <cpu>\n      <arch>x86_64</arch>\n");
        if (model != null) sb.append("      <model>").append(xml(model)).append("</model>\n");
        if (vendor != null) sb.append("      <vendor>").append(xml(vendor)).append("</vendor>\n");
        sb.append("      <topology sockets='").append(node.get("sockets")).append("' dies='1' cores='")
                .append(node.get("coresPerSocket")).append("' threads='").append(node.get("threadsPerCore")).append("'/>\n");
        sb.append("    </cpu>\n");
        sb.append("    <power_management/>\n    <iommu support='").append(Files.isDirectory(Path.of("/sys/kernel/iommu_groups"))
                && Path.of("/sys/kernel/iommu_groups").toFile().list().length > 0 ? "yes" : "no").append("'/>\n");
        sb.append("    <memory unit='KiB'>").append(node.get("memoryKiB")).append("</memory>\n");
        sb.append("    <migration_features/>\n  </host>\n\n");
        sb.append("  <guest>\n    <os_type>hvm</os_type>\n    <arch name='x86_64'>\n      <wordsize>64</wordsize>\n");
        sb.append("      <emulator>jhyve</emulator>\n");
        if (kvm) sb.append("      <domain type='bhyve'/>\n");
        sb.append("    </arch>\n    <features>\n      <acpi default='on' toggle='no'/>\n      <apic default='on' toggle='no'/>\n");
        sb.append("    </features>\n  </guest>\n\n</capabilities>\n");
        return sb.toString();
    }

    private static String hostUuid() {
        for (var p : List.of("/sys/class/dmi/id/product_uuid", "/etc/machine-id")) {
            try {
                var v = Files.readString(Path.of(p)).strip();
                if (v.matches("[0-9a-fA-F]{32}")) {
                    return v.substring(0, 8) + "-" + v.substring(8, 12) + "-" + v.substring(12, 16) + "-"
                            + v.substring(16, 20) + "-" + v.substring(20);
                }
                if (!v.isEmpty()) return v.toLowerCase();
            } catch (IOException e) {
                // try the next source
            }
        }
        return "00000000-0000-0000-0000-000000000000";
    }

    private static String xml(String s) { return s.replace("&", "&amp;").replace("<", "&lt;"); }
}
