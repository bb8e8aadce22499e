package org.jhyve.devices.lpc;

import org.jhyve.config.ConfigException;
import org.jhyve.devices.HostHooks;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns a {@code lpc.comN.path} value into a back end: {@code stdio} (at most one port, as in
 * bhyve), {@code autopty} (jhyve: a new pseudo-terminal, through the host hooks), or a path. A
 * path that names a terminal, pty or FIFO is used for input and output; a regular file (created
 * when missing) only receives output, like a log. bhyve's {@code tcp=} back end is refused.
 */
public final class UartBackendFactory {
    private final HostHooks hooks;
    private final InputStream stdin;
    private final OutputStream stdout;
    private boolean stdioTaken;

    public UartBackendFactory(HostHooks hooks) { this(hooks, System.in, System.out); }

    /** With explicit standard streams, for tests. */
    public UartBackendFactory(HostHooks hooks, InputStream stdin, OutputStream stdout) {
        this.hooks = hooks;
        this.stdin = stdin;
        this.stdout = stdout;
    }

    /** Returns null for an unset value: the port exists but is not connected. */
    public UartBackend open(String port, String value) {
        if (value == null) return null;
        if (value.isEmpty()) throw new ConfigException(port + ": empty back end");
        if (value.equals("stdio")) {
            if (stdioTaken) throw new ConfigException(port + ": stdio is already used by another port");
            stdioTaken = true;
            Runnable restore = hooks.rawStdin();
            return new StreamUartBackend(port + " on stdio", stdin, stdout, restore);
        }
        if (value.equals("autopty")) return hooks.openPty(port);
        if (value.startsWith("tcp=")) {
            throw new ConfigException(port + ": back end '" + value + "' (tcp) is not implemented in jhyve yet");
        }
        return openPath(port, Path.of(value));
    }

    private UartBackend openPath(String port, Path path) {
        try {
            if (!Files.exists(path) || Files.isRegularFile(path)) {
                OutputStream out = new FileOutputStream(path.toFile());
                return new StreamUartBackend(port + " to " + path, null, out, closer(out));
            }
            // A terminal or FIFO, opened read-write once (O_RDWR does not wait for a FIFO's peer).
            RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
            Runnable restore = hooks.rawTerminal(path);
            InputStream in = new FileInputStream(file.getFD());
            OutputStream out = new FileOutputStream(file.getFD());
            return new StreamUartBackend(port + " on " + path, in, out, () -> {
                restore.run();
                closer(file).run();
            });
        } catch (IOException e) {
            throw new ConfigException(port + ": cannot open back end '" + path + "': " + e.getMessage(), e);
        }
    }

    private static Runnable closer(AutoCloseable c) {
        return () -> {
            try {
                c.close();
            } catch (Exception e) {
                throw new UncheckedIOException(new IOException(e.getMessage(), e));
            }
        };
    }
}
