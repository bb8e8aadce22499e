package org.jhyve.firmware;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the tables say about the processor: SMBIOS type 4's manufacturer and version strings and
 * processor ID, and the MP table's CPU signature and feature flags. These are CPUID leaf 0's
 * vendor, the brand string, and leaf 1's EAX (signature) and EDX (features), as bhyve takes them
 * from the host CPU.
 */
public record CpuIdentity(String manufacturer, String version, int signature, int features) {
    /** CPUID.1:EDX bit names as Linux spells them in /proc/cpuinfo, by bit number. */
    private static final List<String> EDX_FLAGS = List.of(
            "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "", "sep", "mtrr", "pge",
            "mca", "cmov", "pat", "pse36", "pn", "clflush", "", "dts", "acpi", "mmx", "fxsr", "sse", "sse2",
            "ss", "ht", "tm", "ia64", "pbe");

    /** EDX_FLAGS by name: /proc/cpuinfo lists ~150 flags, and a list search for each is slow before the JIT. */
    private static final Map<String, Integer> EDX_BITS = edxBits();

    private static Map<String, Integer> edxBits() {
        Map<String, Integer> m = new java.util.HashMap<>();
        for (int bit = 0; bit < EDX_FLAGS.size(); bit++) {
            if (!EDX_FLAGS.get(bit).isEmpty()) m.put(EDX_FLAGS.get(bit), bit);
        }
        return m;
    }

    public CpuIdentity {
        if (manufacturer.isEmpty() || version.isEmpty()) {
            throw new IllegalArgumentException("CPU manufacturer and version strings must not be empty");
        }
    }

    /** The host's first CPU from /proc/cpuinfo (Linux's view of CPUID), read once per process. */
    public static CpuIdentity fromHost() { return Host.CPU; }

    /** Read at first use: the provisional memory map and the firmware tables both ask at start. */
    private static final class Host {
        static final CpuIdentity CPU = read();
    }

    private static CpuIdentity read() {
        Path path = Path.of("/proc/cpuinfo");
        try {
            return fromCpuinfo(Files.readString(path));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Parses the first processor block of /proc/cpuinfo text. */
    public static CpuIdentity fromCpuinfo(String text) {
        Map<String, String> fields = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                if (!fields.isEmpty()) break;
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) fields.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        }
        String vendor = fields.getOrDefault("vendor_id", "");
        String brand = fields.getOrDefault("model name", "");
        int family = intField(fields, "cpu family");
        int model = intField(fields, "model");
        int stepping = intField(fields, "stepping");
        int features = 0;
        // Split on blanks by hand: String.split("\\s+") compiles a regex at every start.
        String flags = fields.getOrDefault("flags", "");
        for (int i = 0; i < flags.length(); ) {
            while (i < flags.length() && Character.isWhitespace(flags.charAt(i))) i++;
            int start = i;
            while (i < flags.length() && !Character.isWhitespace(flags.charAt(i))) i++;
            if (i == start) break;
            Integer bit = EDX_BITS.get(flags.substring(start, i));
            if (bit != null) features |= 1 << bit;
        }
        return new CpuIdentity(vendor.isEmpty() ? "Unknown" : vendor, brand.isEmpty() ? "Unknown" : brand,
                signature(family, model, stepping), features);
    }

    /** CPUID.1:EAX from the display family/model/stepping (Intel SDM's encoding rules, reversed). */
    public static int signature(int family, int model, int stepping) {
        int baseFamily = Math.min(family, 0xF);
        int extFamily = family >= 0xF ? family - 0xF : 0;
        int extModel = (family == 6 || family >= 0xF) ? model >> 4 : 0;
        return (stepping & 0xF) | (model & 0xF) << 4 | baseFamily << 8 | (extModel & 0xF) << 16
                | (extFamily & 0xFF) << 20;
    }

    private static int intField(Map<String, String> fields, String name) {
        String v = fields.get(name);
        if (v == null) return 0;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad /proc/cpuinfo field '" + name + "': '" + v + "'");
        }
    }
}
