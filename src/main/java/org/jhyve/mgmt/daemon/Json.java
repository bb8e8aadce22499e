package org.jhyve.mgmt.daemon;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the daemon protocol and its state files need (the JDK has none): objects as
 * ordered maps, arrays as lists, strings, numbers as Long (integers) or Double, booleans and null.
 * One value per text, written on one line.
 */
public final class Json {
    private final String s;
    private int i;

    private Json(String s) { this.s = s; }

    /** Parses one JSON value; trailing text other than white space is an error. */
    public static Object parse(String text) {
        var p = new Json(text);
        p.ws();
        var v = p.value();
        p.ws();
        if (p.i != text.length()) throw p.error("trailing characters");
        return v;
    }

    /** Parses a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        if (parse(text) instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new IllegalArgumentException("JSON text is not an object: " + abbreviate(text));
    }

    private static String abbreviate(String t) { return t.length() > 60 ? t.substring(0, 60) + "..." : t; }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("bad JSON at offset " + i + ": " + what + " in " + abbreviate(s));
    }

    private void ws() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
    }

    private Object value() {
        if (i >= s.length()) throw error("unexpected end");
        char c = s.charAt(i);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) throw error("expected " + word);
        i += word.length();
        return v;
    }

    private Object number() {
        int start = i;
        if (s.charAt(i) == '-') i++;
        boolean real = false;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') i++;
            else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                real = true;
                i++;
            } else break;
        }
        var t = s.substring(start, i);
        try {
            return real ? (Object) Double.parseDouble(t) : (Object) Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw error("bad number '" + t + "'");
        }
    }

    private String string() {
        i++;
        var sb = new StringBuilder();
        while (true) {
            if (i >= s.length()) throw error("unterminated string");
            char c = s.charAt(i++);
            if (c == '"') return sb.toString();
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i >= s.length()) throw error("unterminated escape");
            char e = s.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length()) throw error("short \\u escape");
                    try {
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    } catch (NumberFormatException x) {
                        throw error("bad \\u escape");
                    }
                    i += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private List<Object> array() {
        i++;
        var out = new ArrayList<>();
        ws();
        if (i < s.length() && s.charAt(i) == ']') {
            i++;
            return out;
        }
        while (true) {
            ws();
            out.add(value());
            ws();
            if (i >= s.length()) throw error("unterminated array");
            char c = s.charAt(i++);
            if (c == ']') return out;
            if (c != ',') throw error("expected , or ]");
        }
    }

    private Map<String, Object> object() {
        i++;
        var out = new LinkedHashMap<String, Object>();
        ws();
        if (i < s.length() && s.charAt(i) == '}') {
            i++;
            return out;
        }
        while (true) {
            ws();
            if (i >= s.length() || s.charAt(i) != '"') throw error("expected a member name");
            var k = string();
            ws();
            if (i >= s.length() || s.charAt(i++) != ':') throw error("expected :");
            ws();
            out.put(k, value());
            ws();
            if (i >= s.length()) throw error("unterminated object");
            char c = s.charAt(i++);
            if (c == '}') return out;
            if (c != ',') throw error("expected , or }");
        }
    }

    /** One line of JSON for maps, lists, strings, numbers, booleans, null and records of those. */
    public static String write(Object v) {
        var sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("null");
            case String str -> quote(sb, str);
            case Boolean b -> sb.append(b);
            case Integer n -> sb.append(n);
            case Long n -> sb.append(n);
            case Double d -> {
                if (d.isNaN() || d.isInfinite()) throw new IllegalArgumentException("JSON has no " + d);
                sb.append(d);
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(':');
                    write(sb, e.getValue());
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int k = 0; k < l.size(); k++) {
                    if (k > 0) sb.append(',');
                    write(sb, l.get(k));
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    private static void quote(StringBuilder sb, String str) {
        sb.append('"');
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    // Typed access to parsed objects, with errors that name the member.

    public static String str(Map<String, Object> m, String key) {
        var v = m.get(key);
        if (v == null) return null;
        if (v instanceof String t) return t;
        throw new IllegalArgumentException("member '" + key + "' is not a string: " + v);
    }

    public static long num(Map<String, Object> m, String key, long dflt) {
        var v = m.get(key);
        if (v == null) return dflt;
        if (v instanceof Long n) return n;
        throw new IllegalArgumentException("member '" + key + "' is not an integer: " + v);
    }

    public static boolean bool(Map<String, Object> m, String key) {
        var v = m.get(key);
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException("member '" + key + "' is not a boolean: " + v);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> obj(Map<String, Object> m, String key) {
        var v = m.get(key);
        if (v == null) return new LinkedHashMap<>();
        if (v instanceof Map<?, ?> o) return (Map<String, Object>) o;
        throw new IllegalArgumentException("member '" + key + "' is not an object: " + v);
    }

    public static List<String> strings(Map<String, Object> m, String key) {
        var v = m.get(key);
        if (v == null) return List.of();
        if (v instanceof List<?> l) {
            var out = new ArrayList<String>();
            for (var x : l) {
                if (!(x instanceof String t)) throw new IllegalArgumentException("member '" + key + "' holds a non-string: " + x);
                out.add(t);
            }
            return out;
        }
        throw new IllegalArgumentException("member '" + key + "' is not an array: " + v);
    }
}
