package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jhyve.sys.Libc;
import org.jhyve.sys.SysException;

/**
 * One serial console of a running domain: the slave side of jhyve's pty ({@code -l comN,autopty}).
 * The daemon reads it all the time, so that a guest never blocks on a full pty while nobody
 * watches; what the guest writes goes to NAME.console.log and to the one attached client
 * (virsh console semantics: one at a time, --force takes it over). Opened with O_NOCTTY: a daemon
 * that is a session leader (systemd) must not acquire the pty as its controlling terminal.
 */
final class ConsolePort implements AutoCloseable {
    private static final MethodHandle POLL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("poll").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final short POLLIN = 1;

    /** An attached client: where output goes, and how to tell it the console is gone. */
    interface Client {
        OutputStream out();

        void disconnect();
    }

    final String device, path;
    private final int fd;
    private final OutputStream log;
    private final Thread reader;
    private volatile boolean closed;
    private Client client;

    ConsolePort(String device, String path, Path logFile) throws DaemonException {
        this.device = device;
        this.path = path;
        try {
            fd = Libc.open(path, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_NONBLOCK, 0);
        } catch (SysException e) {
            throw new DaemonException("cannot open console " + device + " at " + path + ": " + e.getMessage());
        }
        try {
            log = Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            Libc.close(fd);
            throw new DaemonException("cannot open console log " + logFile + ": " + e.getMessage());
        }
        reader = Thread.ofPlatform().daemon().name("console " + device + " " + path).start(this::pump);
    }

    private void pump() {
        try (var arena = Arena.ofConfined()) {
            var pfd = arena.allocate(8);
            var buf = arena.allocate(4096);
            while (!closed) {
                pfd.set(ValueLayout.JAVA_INT, 0, fd);
                pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
                pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
                int r = (int) POLL.invokeExact(pfd, 1L, 200);
                if (r <= 0) continue;
                long n = Libc.read(fd, buf, buf.byteSize());
                if (n == -Libc.EAGAIN || n == -Libc.EINTR) continue;
                if (n <= 0) break; // EIO: jhyve closed the master, the VM is gone
                var bytes = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                try {
                    log.write(bytes);
                    log.flush();
                } catch (IOException e) {
                    // a full disk must not stop the console itself
                }
                deliver(bytes);
            }
        } catch (Throwable t) {
            // a failed poll or read ends this console; the VM's exit tidies up the rest
        } finally {
            detachAll();
        }
    }

    private void deliver(byte[] bytes) {
        Client c;
        synchronized (this) {
            c = client;
        }
        if (c == null) return;
        try {
            c.out().write(bytes);
            c.out().flush();
        } catch (IOException e) {
            detach(c);
        }
    }

    /** Attaches a client; a second one is refused unless force, which disconnects the first. */
    void attach(Client c, boolean force) throws DaemonException {
        Client old;
        synchronized (this) {
            if (closed) throw new DaemonException("console " + device + " is closed");
            old = client;
            if (old != null && !force) {
                throw new DaemonException("operation failed: Active console session exists for this domain");
            }
            client = c;
        }
        if (old != null) old.disconnect();
    }

    void detach(Client c) {
        synchronized (this) {
            if (client != c) return;
            client = null;
        }
        c.disconnect();
    }

    private void detachAll() {
        Client c;
        synchronized (this) {
            c = client;
            client = null;
        }
        if (c != null) c.disconnect();
    }

    /** Keyboard input from the client to the guest. */
    void input(byte[] b, int len) throws DaemonException {
        try (var arena = Arena.ofConfined()) {
            var seg = arena.allocate(Math.max(1, len));
            MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, len);
            long off = 0, deadline = System.nanoTime() + 5_000_000_000L;
            while (off < len) {
                long n = Libc.write(fd, seg.asSlice(off), len - off);
                if (n == -Libc.EAGAIN || n == -Libc.EINTR) {
                    // the guest is not reading its serial port: wait a little, then drop the input
                    if (System.nanoTime() > deadline) throw new DaemonException("console " + device + " does not take input");
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    continue;
                }
                if (n < 0) throw new DaemonException("cannot write to console " + device + ": errno " + -n);
                off += n;
            }
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Libc.close(fd);
        try {
            log.close();
        } catch (IOException e) {
            // nothing left to do with a log that cannot be closed
        }
    }
}
