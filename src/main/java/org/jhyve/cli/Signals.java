package org.jhyve.cli;

import sun.misc.Signal;

/**
 * SIGTERM handling. The JVM's own handler would run shutdown hooks and exit; bhyve instead
 * presses the guest's power button and lets the guest shut down. sun.misc.Signal runs the
 * handler on a Java thread, so no native code runs in signal context.
 */
final class Signals {
    private Signals() {}

    static void onTerminate(Runnable action) {
        Signal.handle(new Signal("TERM"), s -> action.run());
    }
}
