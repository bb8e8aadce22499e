package org.jhyve.mgmt.argv;

import java.util.ArrayList;
import java.util.List;

/** POSIX getopt over an argv list: grouped flags ("-AHP"), attached or separate values, stops at the first operand. */
final class GetOpt {
    record Option(char name, String value) {}

    final List<Option> options = new ArrayList<>();
    final List<String> operands = new ArrayList<>();

    GetOpt(List<String> argv, String spec) {
        int i = 1;
        for (; i < argv.size(); i++) {
            var a = argv.get(i);
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-") || a.length() < 2) break;
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                int at = spec.indexOf(c);
                if (at < 0) throw new IllegalArgumentException("unknown option -" + c);
                if (at + 1 < spec.length() && spec.charAt(at + 1) == ':') {
                    String v;
                    if (j + 1 < a.length()) v = a.substring(j + 1);
                    else if (i + 1 < argv.size()) v = argv.get(++i);
                    else throw new IllegalArgumentException("option -" + c + " needs a value");
                    options.add(new Option(c, v));
                    break;
                }
                options.add(new Option(c, null));
            }
        }
        for (; i < argv.size(); i++) operands.add(argv.get(i));
    }
}
