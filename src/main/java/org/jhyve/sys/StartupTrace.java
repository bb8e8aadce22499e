package org.jhyve.sys;

/**
 * Start-up time marks for measuring where jhyve's start goes: with {@code -Djhyve.startup.trace=true}
 * each {@link #mark} prints the milliseconds since the first mark (and since the JVM started,
 * from the launcher's {@code jhyve.launch.ns} when given) to stderr. Off, a mark is one field read.
 */
public final class StartupTrace {
    private static final boolean ON = Boolean.getBoolean("jhyve.startup.trace");
    private static long first;

    private StartupTrace() {}

    public static boolean on() { return ON; }

    public static synchronized void mark(String what) {
        if (!ON) return;
        long now = System.nanoTime();
        if (first == 0) first = now;
        System.err.println("jhyve startup: " + (now - first) / 1000 / 1000.0 + " ms " + what
                + " [thread " + Thread.currentThread().getName() + "]");
    }
}
