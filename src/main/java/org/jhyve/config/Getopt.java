package org.jhyve.config;

/**
 * FreeBSD's getopt(3), which bhyve parses its command line with: options are scanned until the
 * first argument that is not an option ("-" alone counts as an operand) or until "--", which is
 * skipped; letters may be grouped ("-AHP"); an option's argument is the rest of its word ("-c2")
 * or else the whole next word, even one starting with '-' ("-c -2"). There is no argument
 * permutation: "vm1 -c 2" has three operands.
 */
final class Getopt {
    private final String[] args;
    private final String optstring;
    private int optind = 0;
    /** index of the next letter inside args[optind]; 0 when a new word must be started */
    private int place = 0;
    private String optarg;

    Getopt(String[] args, String optstring) {
        this.args = args;
        this.optstring = optstring;
    }

    /**
     * The next option letter, or -1 when the options are over.
     *
     * @throws OptionException "illegal option -- x" or "option requires an argument -- x" (usage, exit 1)
     */
    int next() {
        optarg = null;
        if (place == 0) {
            if (optind >= args.length) return -1;
            String word = args[optind];
            if (word.length() < 2 || word.charAt(0) != '-') return -1;
            if (word.equals("--")) {
                optind++;
                return -1;
            }
            place = 1;
        }
        String word = args[optind];
        char opt = word.charAt(place++);
        boolean wordDone = place >= word.length();
        int at = opt == ':' ? -1 : optstring.indexOf(opt);
        if (at < 0) {
            if (wordDone) advance();
            throw OptionException.usage("illegal option -- " + opt);
        }
        boolean takesArgument = at + 1 < optstring.length() && optstring.charAt(at + 1) == ':';
        if (!takesArgument) {
            if (wordDone) advance();
            return opt;
        }
        if (!wordDone) {
            optarg = word.substring(place);
        } else if (optind + 1 < args.length) {
            optarg = args[++optind];
        } else {
            advance();
            throw OptionException.usage("option requires an argument -- " + opt);
        }
        advance();
        return opt;
    }

    private void advance() {
        optind++;
        place = 0;
    }

    /** The argument of the option last returned by {@link #next()}, or null. */
    String optarg() { return optarg; }

    /** Index of the first operand once {@link #next()} has returned -1. */
    int optind() { return optind; }
}
