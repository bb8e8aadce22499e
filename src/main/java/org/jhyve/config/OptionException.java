package org.jhyve.config;

/**
 * A command line bhyve refuses with an exit status other than its usual 4: getopt errors and a
 * missing or extra VM name print the usage text and exit 1; malformed -c, -p, -l, -o and -m values
 * exit with EX_USAGE (64), as bhyve's errx(EX_USAGE, ...) does.
 */
public final class OptionException extends ConfigException {
    /** sysexits.h EX_USAGE, bhyve's status for a malformed option value. */
    public static final int EX_USAGE = 64;
    /** bhyve's usage(1) status for getopt errors and a wrong number of VM names. */
    public static final int USAGE_STATUS = 1;

    private final int exitStatus;
    private final boolean showUsage;

    public OptionException(String message, int exitStatus, boolean showUsage) {
        super(message);
        this.exitStatus = exitStatus;
        this.showUsage = showUsage;
    }

    /** A getopt-level error: message, then the usage text, then exit 1. */
    static OptionException usage(String message) {
        return new OptionException(message, USAGE_STATUS, true);
    }

    /** A malformed option value: message, exit 64. */
    static OptionException badValue(String message) {
        return new OptionException(message, EX_USAGE, false);
    }

    /** The process exit status bhyve uses for this error. */
    public int exitStatus() { return exitStatus; }

    /** Whether bhyve prints its usage text for this error. */
    public boolean showUsage() { return showUsage; }
}
