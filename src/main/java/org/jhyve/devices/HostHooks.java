package org.jhyve.devices;

import org.jhyve.config.ConfigException;
import org.jhyve.devices.lpc.UartBackend;

import java.nio.file.Path;

/**
 * What devices need from the host that plain Java cannot do: terminal modes, pseudo-terminals,
 * ending the process with an arbitrary status. The system layer supplies an FFM implementation;
 * {@link #plainJava()} is the portable fallback (no raw mode, no autopty).
 */
public interface HostHooks {
    /**
     * Puts the terminal on standard input into raw mode (bhyve: cfmakeraw plus CLOCAL) and returns
     * the action that restores it. Does nothing when standard input is not a terminal.
     */
    Runnable rawStdin();

    /** The same for a terminal device opened by path (a tty or the slave side of a pty). */
    Runnable rawTerminal(Path tty);

    /**
     * The jhyve extension {@code autopty}: creates a pseudo-terminal, prints the path of its slave
     * side for the user, and returns a back end on the master side.
     */
    UartBackend openPty(String portName);

    /** pc-testdev's isa-debug-exit: ends the process at once with this exit status. */
    void exitProcess(int status);

    /** Hooks without libc: terminals stay as they are and autopty is refused. */
    static HostHooks plainJava() {
        return new HostHooks() {
            @Override public Runnable rawStdin() { return () -> { }; }

            @Override public Runnable rawTerminal(Path tty) { return () -> { }; }

            @Override
            public UartBackend openPty(String portName) {
                throw new ConfigException(portName + ": autopty needs the native host layer, which is not available");
            }

            @Override public void exitProcess(int status) { System.exit(status); }
        };
    }
}
