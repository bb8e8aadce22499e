package org.jhyve.home;

/**
 * One VM home at one moment.
 *
 * @param pid        the owner's process id (running, loading or stale), else 0
 * @param program    the owner's program name ("jhyve", "jhyveload"), else empty
 * @param memorySize guest RAM size recorded when the home was loaded, 0 when unknown
 */
public record HomeStatus(String name, HomeState state, long pid, String program, long memorySize) {
    /** One line of {@code jhyvectl --list}. */
    public String line() {
        String mem = memorySize == 0 ? "-" : size(memorySize);
        String owner = pid == 0 ? "" : "  " + program + " pid " + pid + (state == HomeState.STALE ? " (dead)" : "");
        return String.format("%-20s %-8s %8s%s", name, state.word, mem, owner);
    }

    /** A memory size as bhyve's -m spells it: "512M", "2G", or bytes. */
    public static String size(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) return (bytes >> 30) + "G";
        if (bytes != 0 && bytes % (1L << 20) == 0) return (bytes >> 20) + "M";
        return Long.toString(bytes);
    }
}
