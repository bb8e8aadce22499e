package org.jhyve.firmware;

import java.util.Locale;
import org.jhyve.config.ConfigException;

/** bhyve's memory.size syntax (vm_parse_memsize). */
public final class MemorySize {
    public static final long DEFAULT = 256L << 20;
    private static final long MIB = 1L << 20;

    private MemorySize() {}

    /**
     * A plain number below 1 MiB counts in MiB (bhyve's backward compatibility), a larger plain
     * number in bytes; otherwise a number with one of the suffixes K, M, G, T, P, E (powers of
     * 1024, any case), as FreeBSD's expand_number reads it.
     */
    public static long parse(String text) {
        String t = text.strip();
        if (t.isEmpty()) throw new ConfigException("empty memory size");
        char last = Character.toUpperCase(t.charAt(t.length() - 1));
        int shift = switch (last) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            case 'P' -> 50;
            case 'E' -> 60;
            default -> -1;
        };
        String digits = shift < 0 ? t : t.substring(0, t.length() - 1);
        long n;
        try {
            n = Long.decode(digits);
        } catch (NumberFormatException e) {
            throw new ConfigException("invalid memory size '" + text + "'");
        }
        if (n < 0) throw new ConfigException("invalid memory size '" + text + "'");
        if (shift < 0) return n < MIB ? multiply(n, MIB, text) : n;
        return multiply(n, 1L << shift, text);
    }

    private static long multiply(long n, long unit, String text) {
        try {
            return Math.multiplyExact(n, unit);
        } catch (ArithmeticException e) {
            throw new ConfigException("memory size '" + text.toLowerCase(Locale.ROOT) + "' is too large");
        }
    }
}
