package org.jhyve.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * bhyve_config(5): one tree of dot-separated variables. Options only set variables; devices read
 * their own node when they initialise. Leaves hold strings; a node is any prefix of a leaf name.
 * Values may contain {@code %(name)}, expanded when read.
 */
public final class ConfigTree {
    private static final int MAX_EXPANSION_DEPTH = 16;
    private final TreeMap<String, String> values = new TreeMap<>();

    public void set(String name, String value) {
        checkName(name);
        if (value == null) throw new ConfigException("no value for " + name);
        // A leaf may not become a node and a node may not become a leaf, as in bhyve's nvlist tree.
        for (int dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
            String prefix = name.substring(0, dot);
            if (values.containsKey(prefix)) {
                throw new ConfigException("cannot set " + name + ": " + prefix + " is a variable, not a node");
            }
        }
        String sub = values.ceilingKey(name + ".");
        if (sub != null && sub.startsWith(name + ".")) {
            throw new ConfigException("cannot set " + name + ": it is a node (" + sub + " exists)");
        }
        values.put(name, value);
    }

    /** Sets name only when it has no value yet (for defaults). */
    public void setDefault(String name, String value) {
        if (!values.containsKey(name)) set(name, value);
    }

    public void unset(String name) { values.remove(name); }

    public boolean has(String name) { return values.containsKey(name); }

    /** The raw value, without %() expansion, or null. */
    public String raw(String name) { return values.get(name); }

    /** The expanded value, or null when unset. */
    public String get(String name) {
        String v = values.get(name);
        return v == null ? null : expand(v, 0, name);
    }

    public String get(String name, String fallback) {
        String v = get(name);
        return v == null ? fallback : v;
    }

    public boolean getBool(String name, boolean fallback) {
        String v = get(name);
        return v == null ? fallback : parseBool(name, v);
    }

    public long getLong(String name, long fallback) {
        String v = get(name);
        if (v == null) return fallback;
        try {
            return Long.decode(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("invalid number for " + name + ": '" + v + "'");
        }
    }

    /** bhyve accepts true/on/yes/1 and false/off/no/0 in any case; anything else is fatal. */
    public static boolean parseBool(String name, String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes", "1": return true;
            case "false", "off", "no", "0": return false;
            default: throw new ConfigException("invalid boolean value for " + name + ": '" + v + "'");
        }
    }

    /** The names directly below a node, in order: children("pci.0") gives the slot numbers. */
    public List<String> children(String node) {
        String prefix = node.isEmpty() ? "" : node + ".";
        List<String> out = new ArrayList<>();
        for (String k : values.tailMap(prefix, true).keySet()) {
            if (!k.startsWith(prefix)) break;
            String rest = k.substring(prefix.length());
            int dot = rest.indexOf('.');
            String child = dot < 0 ? rest : rest.substring(0, dot);
            if (out.isEmpty() || !out.getLast().equals(child)) out.add(child);
        }
        return out;
    }

    /** Every leaf below node (or the whole tree for ""), with names relative to node. */
    public Map<String, String> subtree(String node) {
        String prefix = node.isEmpty() ? "" : node + ".";
        TreeMap<String, String> out = new TreeMap<>();
        for (var e : values.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) break;
            out.put(e.getKey().substring(prefix.length()), e.getValue());
        }
        return Collections.unmodifiableMap(out);
    }

    /** config.dump's output: every variable as name=value, sorted, values as set (unexpanded). */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }

    private String expand(String v, int depth, String name) {
        if (v.indexOf("%(") < 0) return v;
        if (depth >= MAX_EXPANSION_DEPTH) throw new ConfigException("%() expansion too deep in " + name);
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < v.length()) {
            int start = v.indexOf("%(", i);
            if (start < 0) { sb.append(v, i, v.length()); break; }
            int end = v.indexOf(')', start);
            if (end < 0) throw new ConfigException("unterminated %( in " + name + ": '" + v + "'");
            sb.append(v, i, start);
            String ref = v.substring(start + 2, end);
            String refValue = values.get(ref);
            if (refValue == null) throw new ConfigException("undefined variable " + ref + " used in " + name);
            sb.append(expand(refValue, depth + 1, name));
            i = end + 1;
        }
        return sb.toString();
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
            throw new ConfigException("invalid variable name '" + name + "'");
        }
    }
}
