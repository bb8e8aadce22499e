package org.jhyve.boot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a loader left in guest memory and how to enter it: the VM home's {@code boot} file, a
 * few {@code key=value} lines so that a person can read it too.
 *
 * @param memorySize the guest RAM size the image was placed for
 * @param entry      the BSP's start
 * @param placed     what lies where in guest RAM (kernel, initrd, command line, tables)
 */
public record BootState(long memorySize, BootEntry entry, List<Region> placed) {
    static final String FORMAT = "jhyve-boot-1";

    /** One thing the loader placed: a name such as "kernel" or "initrd", its address and size. */
    public record Region(String name, long address, long size) {
        public Region {
            if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c == '=' || c == ',')) {
                throw new IllegalArgumentException("bad region name '" + name + "'");
            }
        }
    }

    public BootState {
        placed = List.copyOf(placed);
    }

    public String toText() {
        StringBuilder b = new StringBuilder();
        b.append("format=").append(FORMAT).append('\n');
        b.append("memory.size=").append(memorySize).append('\n');
        // instanceof, not a pattern switch: the switch's bootstrap costs milliseconds at every start.
        if (entry instanceof BootEntry.Linux64 l) {
            b.append("protocol=linux64\n");
            hex(b, "rip", l.rip());
            hex(b, "zero_page", l.zeroPage());
            hex(b, "pml4", l.pml4());
            hex(b, "gdt", l.gdt());
            hex(b, "stack", l.stack());
        } else if (entry instanceof BootEntry.Pvh p) {
            b.append("protocol=pvh\n");
            hex(b, "rip", p.rip());
            hex(b, "start_info", p.startInfo());
        } else {
            throw new IllegalStateException("unknown boot entry " + entry);
        }
        for (Region r : placed) {
            b.append("region.").append(r.name()).append("=0x").append(Long.toHexString(r.address()))
                    .append(",0x").append(Long.toHexString(r.size())).append('\n');
        }
        return b.toString();
    }

    private static void hex(StringBuilder b, String key, long v) {
        b.append(key).append("=0x").append(Long.toHexString(v)).append('\n');
    }

    /** Parses {@link #toText}'s format; {@code what} names the file in errors. */
    public static BootState parse(String text, String what) {
        Map<String, String> kv = new LinkedHashMap<>();
        List<Region> regions = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            int eq = line.indexOf('=');
            if (eq <= 0) throw new BootException(what + ": malformed line '" + line + "'");
            String k = line.substring(0, eq), v = line.substring(eq + 1);
            if (k.startsWith("region.")) {
                String[] av = v.split(",");
                if (av.length != 2) throw new BootException(what + ": malformed region '" + line + "'");
                regions.add(new Region(k.substring(7), number(av[0], k, what), number(av[1], k, what)));
            } else {
                kv.put(k, v);
            }
        }
        if (!FORMAT.equals(kv.get("format"))) {
            throw new BootException(what + ": not a jhyve boot state (format " + kv.get("format") + ", expected " + FORMAT + ")");
        }
        long mem = number(required(kv, "memory.size", what), "memory.size", what);
        String protocol = required(kv, "protocol", what);
        BootEntry entry = switch (protocol) {
            case "linux64" -> new BootEntry.Linux64(field(kv, "rip", what), field(kv, "zero_page", what),
                    field(kv, "pml4", what), field(kv, "gdt", what), field(kv, "stack", what));
            case "pvh" -> new BootEntry.Pvh(field(kv, "rip", what), field(kv, "start_info", what));
            default -> throw new BootException(what + ": unknown boot protocol '" + protocol + "'");
        };
        return new BootState(mem, entry, regions);
    }

    private static String required(Map<String, String> kv, String key, String what) {
        String v = kv.get(key);
        if (v == null) throw new BootException(what + ": '" + key + "' is missing");
        return v;
    }

    private static long field(Map<String, String> kv, String key, String what) {
        return number(required(kv, key, what), key, what);
    }

    private static long number(String v, String key, String what) {
        try {
            return v.startsWith("0x") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new BootException(what + ": '" + key + "' is not a number: " + v);
        }
    }
}
