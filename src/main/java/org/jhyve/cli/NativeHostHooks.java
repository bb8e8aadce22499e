package org.jhyve.cli;

import org.jhyve.devices.HostHooks;
import org.jhyve.devices.lpc.UartBackend;
import org.jhyve.sys.Libc;
import org.jhyve.sys.Terminal;

import java.nio.file.Path;

/** HostHooks on the FFM system layer: raw terminals as bhyve sets them, and autopty. */
final class NativeHostHooks implements HostHooks {
    /** What must happen before pc-testdev ends the process (settle the VM home, restore ttys). */
    private volatile Runnable beforeExit = () -> { };

    void beforeExit(Runnable r) { this.beforeExit = r; }
    @Override
    public Runnable rawStdin() {
        return Terminal.makeRaw(0);
    }

    @Override
    public Runnable rawTerminal(Path tty) {
        int fd = Libc.open(tty.toString(), Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_NONBLOCK, 0);
        Runnable restore = Terminal.makeRaw(fd);
        return () -> {
            restore.run();
            Libc.close(fd);
        };
    }

    @Override
    public UartBackend openPty(String portName) {
        PtyUartBackend b = new PtyUartBackend(Terminal.openPty());
        System.err.println("jhyve: " + portName + ": " + b.path());
        return b;
    }

    @Override
    public void exitProcess(int status) {
        try {
            beforeExit.run();
        } catch (RuntimeException e) {
            System.err.println("jhyve: while exiting: " + e.getMessage());
        }
        ProcessExit.exit(status);
    }
}
