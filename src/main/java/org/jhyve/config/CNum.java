package org.jhyve.config;

/**
 * The C library number conversions bhyve's option parsers are built on (strtol, strtoul and
 * sscanf's %d), reproduced so that jhyve accepts and refuses the same strings: leading white space,
 * an optional sign, 0x/0 prefixes for base 0, and trailing characters left for the caller.
 */
final class CNum {
    private CNum() {}

    /**
     * One conversion: the value, the index just after the last character used (the start index when
     * no digits were found) and whether the value did not fit a long (it is then clamped).
     */
    record Parsed(long value, int end, boolean overflow) {
        boolean none(int start) { return end == start; }
    }

    /** strtol(s + from, &end, base) for base 0, 8, 10 or 16. */
    static Parsed strtol(String s, int from, int base) {
        int i = from;
        while (i < s.length() && isSpace(s.charAt(i))) i++;
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        if ((base == 0 || base == 16) && i + 2 < s.length() && s.charAt(i) == '0'
                && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X') && digit(s.charAt(i + 2), 16) >= 0) {
            i += 2;
            base = 16;
        } else if (base == 0) {
            base = i < s.length() && s.charAt(i) == '0' ? 8 : 10;
        }
        int digitsStart = i;
        long value = 0;
        boolean overflow = false;
        for (; i < s.length(); i++) {
            int d = digit(s.charAt(i), base);
            if (d < 0) break;
            if (!overflow) {
                try {
                    value = Math.addExact(Math.multiplyExact(value, base), d);
                } catch (ArithmeticException e) {
                    overflow = true;
                    value = Long.MAX_VALUE;
                }
            }
        }
        if (i == digitsStart) return new Parsed(0, from, false);
        return new Parsed(negative ? -value : value, i, overflow);
    }

    /**
     * sscanf(s, fmt, ...) for formats made of literal characters and %d: returns how many %d
     * conversions succeeded before the first mismatch and stores them in out.
     */
    static int sscanf(String s, String fmt, int[] out) {
        int si = 0, n = 0;
        for (int fi = 0; fi < fmt.length(); fi++) {
            char f = fmt.charAt(fi);
            if (f == '%' && fi + 1 < fmt.length() && fmt.charAt(fi + 1) == 'd') {
                fi++;
                Parsed p = strtol(s, si, 10);
                if (p.none(si)) return n;
                // scanf stores the converted value into an int; out-of-range values never pass range checks
                out[n++] = p.overflow() || p.value() > Integer.MAX_VALUE ? Integer.MAX_VALUE
                        : p.value() < Integer.MIN_VALUE ? Integer.MIN_VALUE : (int) p.value();
                si = p.end();
            } else {
                if (si >= s.length() || s.charAt(si) != f) return n;
                si++;
            }
        }
        return n;
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }

    static int digit(char c, int base) {
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
        else return -1;
        return d < base ? d : -1;
    }
}
