package org.jhyve.config;

import java.util.Locale;

/** bhyve's size strings. */
public final class Sizes {
    public static final long MiB = 1L << 20;

    private Sizes() {}

    /**
     * libvmmapi's vm_parse_memsize: a plain number is bytes, except that a number below 1 MiB is a
     * count of MiB ("512" is 512 MiB, "1073741824" is 1 GiB); otherwise expand_number(3): a number
     * with one of the suffixes B K M G T P E in either case (each 1024 times the previous), optionally
     * followed by B ("4GB"). Numbers take C's prefixes: 0x for hex, a leading 0 for octal.
     *
     * @return the size in bytes
     * @throws OptionException (exit 64) "invalid memsize '...'"
     */
    public static long parseMemory(String s) {
        if (s == null || s.isEmpty()) throw invalid(s);
        CNum.Parsed p = CNum.strtol(s, 0, 0);
        if (p.none(0) || p.overflow() || p.value() < 0) throw invalid(s);
        long n = p.value();
        int end = p.end();
        if (end == s.length()) {
            return n < MiB ? n * MiB : n;
        }
        int shift = switch (Character.toLowerCase(s.charAt(end))) {
            case 'b' -> 0;
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            case 'p' -> 50;
            case 'e' -> 60;
            default -> throw invalid(s);
        };
        end++;
        if (shift != 0 && end < s.length() && s.substring(end, end + 1).toLowerCase(Locale.ROOT).equals("b")) end++;
        if (end != s.length()) throw invalid(s);
        if (shift > 0 && (n >>> (63 - shift)) != 0) throw invalid(s);
        return n << shift;
    }

    private static OptionException invalid(String s) {
        return OptionException.badValue("invalid memsize '" + s + "'");
    }
}
