package org.jhyve.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * bhyve_config(5): one tree of dot-separated variables. Options only set variables; devices read
 * their own node when they initialise. Leaves hold strings; a node is any prefix of a leaf name.
 * Values may contain {@code %(name)}, expanded when read.
 *
 * <p>Besides the sorted map used for lookups, the tree keeps the shape of bhyve's nvlist tree: each
 * node lists its children in the order they were added, and setting a variable again moves it to
 * the end of its node (libnv frees the old pair and appends a new one). {@link #dump()} walks that
 * shape, so {@code config.dump=true} prints the same lines in the same order as bhyve.
 */
public final class ConfigTree {
    /** bhyve's _expand_config_value gives up below this depth. */
    private static final int MAX_EXPANSION_DEPTH = 16;

    private final TreeMap<String, String> values = new TreeMap<>();
    private final Node root = new Node();

    /** One nvlist: children are either String (a variable) or Node, in insertion order. */
    private static final class Node {
        final LinkedHashMap<String, Object> children = new LinkedHashMap<>();
    }

    public void set(String name, String value) {
        checkName(name);
        if (value == null) throw new ConfigException("no value for " + name);
        String[] parts = name.split("\\.");
        Node node = root;
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            if (i > 0) path.append('.');
            path.append(parts[i]);
            Object child = node.children.get(parts[i]);
            if (child instanceof String) {
                // A leaf may not become a node, as in bhyve's nvlist tree.
                throw new ConfigException("cannot set " + name + ": " + path + " is a variable, not a node");
            }
            if (child == null) {
                child = new Node();
                node.children.put(parts[i], child);
            }
            node = (Node) child;
        }
        String last = parts[parts.length - 1];
        Object old = node.children.get(last);
        if (old instanceof Node) {
            String sub = values.ceilingKey(name + ".");
            throw new ConfigException("cannot set " + name + ": it is a node"
                    + (sub != null && sub.startsWith(name + ".") ? " (" + sub + " exists)" : ""));
        }
        if (old != null) node.children.remove(last);
        node.children.put(last, value);
        values.put(name, value);
    }

    /** Sets name only when it has no value yet (for defaults). */
    public void setDefault(String name, String value) {
        if (!values.containsKey(name)) set(name, value);
    }

    /** Removes a variable; nodes left empty by it disappear too. */
    public void unset(String name) {
        if (values.remove(name) == null) return;
        unsetIn(root, name.split("\\."), 0);
    }

    private static void unsetIn(Node node, String[] parts, int i) {
        if (i == parts.length - 1) {
            node.children.remove(parts[i]);
            return;
        }
        Node child = (Node) node.children.get(parts[i]);
        unsetIn(child, parts, i + 1);
        if (child.children.isEmpty()) node.children.remove(parts[i]);
    }

    public boolean has(String name) { return values.containsKey(name); }

    /** Whether name is a node, i.e. some variable lives below it. */
    public boolean hasNode(String name) {
        String sub = values.ceilingKey(name + ".");
        return sub != null && sub.startsWith(name + ".");
    }

    /** The raw value, without %() expansion, or null. */
    public String raw(String name) { return values.get(name); }

    /** The expanded value, or null when unset. */
    public String get(String name) {
        String v = values.get(name);
        return v == null ? null : expand(v, name);
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

    /** The names directly below a node, sorted as strings: children("pci.0") gives the slot numbers. */
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

    /**
     * config.dump's output: every variable as name=value, values as set (unexpanded), in bhyve's
     * order (depth first, each node's children in the order they were added or last set).
     */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        dump(sb, "", root);
        return sb.toString();
    }

    private static void dump(StringBuilder sb, String prefix, Node node) {
        node.children.forEach((k, v) -> {
            if (v instanceof Node sub) dump(sb, prefix + k + ".", sub);
            else sb.append(prefix).append(k).append('=').append(v).append('\n');
        });
    }

    /**
     * bhyve's expansion: only values containing '%' are touched; {@code %(name)} inserts the other
     * variable's expanded value, a backslash takes the next character literally, and a '%' that does
     * not start a reference stays as it is. Unlike bhyve (which warns and goes on) an undefined
     * reference or a cycle is an error.
     */
    private String expand(String v, String name) {
        if (v.indexOf('%') < 0) return v;
        return expand(v, 0, name);
    }

    private String expand(String v, int depth, String name) {
        if (depth >= MAX_EXPANSION_DEPTH) throw new ConfigException("%() expansion too deep in " + name);
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < v.length()) {
            char c = v.charAt(i);
            if (c == '\\') {
                if (i + 1 < v.length()) sb.append(v.charAt(i + 1));
                i += 2;
            } else if (c == '%' && i + 1 < v.length() && v.charAt(i + 1) == '(') {
                int end = v.indexOf(')', i + 2);
                if (end < 0) throw new ConfigException("unterminated %( in " + name + ": '" + v + "'");
                String ref = v.substring(i + 2, end);
                String refValue = values.get(ref);
                if (refValue == null) throw new ConfigException("undefined variable '" + ref + "' used in " + name);
                sb.append(expand(refValue, depth + 1, name));
                i = end + 1;
            } else {
                sb.append(c);
                i++;
            }
        }
        return sb.toString();
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
            throw new ConfigException("invalid variable name '" + name + "'");
        }
    }
}
