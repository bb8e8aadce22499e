package org.jhyve.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * getopt(3) for jhyveload and vmrun: single-letter options (grouped "-Sm512M" or separate),
 * options end at the first operand or "--". The last value of a repeated option wins, as in the
 * shell scripts these programs stand in for.
 *
 * @param options  letter → argument ("" for flags)
 * @param operands what follows the options
 */
record ShortOptions(Map<Character, String> options, List<String> operands) {
    /** A bad command line: the message, and the program prints its usage and exits 1. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) { super(message); }
    }

    /** @param spec getopt's optstring: letters, ':' after those that take an argument */
    static ShortOptions parse(String[] args, String spec) {
        Map<Character, String> opts = new LinkedHashMap<>();
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-") || a.equals("-")) break;
            for (int p = 1; p < a.length(); p++) {
                char c = a.charAt(p);
                int at = spec.indexOf(c);
                if (at < 0 || c == ':') throw new UsageException("illegal option -- " + c);
                boolean takesArg = at + 1 < spec.length() && spec.charAt(at + 1) == ':';
                if (!takesArg) {
                    opts.put(c, "");
                    continue;
                }
                String v;
                if (p + 1 < a.length()) {
                    v = a.substring(p + 1);
                } else if (i + 1 < args.length) {
                    v = args[++i];
                } else {
                    throw new UsageException("option requires an argument -- " + c);
                }
                opts.put(c, v);
                break;
            }
        }
        List<String> operands = new ArrayList<>();
        for (; i < args.length; i++) operands.add(args[i]);
        return new ShortOptions(opts, operands);
    }

    boolean has(char c) { return options.containsKey(c); }

    String get(char c) { return options.get(c); }

    String get(char c, String fallback) { return options.getOrDefault(c, fallback); }
}
