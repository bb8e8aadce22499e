package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A listening Unix stream socket on raw system calls. The control socket is bound on the way to
 * the first KVM_RUN, and java.nio's first Unix socket costs 25-35 ms of class loading and
 * native-library set-up there (measured with jhyve.startup.trace); these few calls cost none.
 */
public final class UnixListener implements AutoCloseable {
    private static final long SYS_SOCKET = 41, SYS_ACCEPT4 = 288, SYS_SHUTDOWN = 48, SYS_BIND = 49, SYS_LISTEN = 50,
            SYS_SETSOCKOPT = 54;
    private static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 02000000, SHUT_WR = 1, SHUT_RDWR = 2,
            SOL_SOCKET = 1, SO_RCVTIMEO = 20;
    /** A client that stops sending cannot hold the one serving thread longer than this. */
    private static final long CLIENT_TIMEOUT_S = 2;
    /** struct sockaddr_un: sa_family_t, then sun_path[108]. */
    private static final int SUN_PATH = 108, SOCKADDR_UN = 2 + SUN_PATH;

    private final int fd;
    private volatile boolean closed;

    private UnixListener(int fd) { this.fd = fd; }

    /** socket, bind to path (which must not exist), listen. */
    public static UnixListener bind(Path path) {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH) throw new SysException("bind " + path + " (longer than " + (SUN_PATH - 1) + " bytes)", Libc.EINVAL);
        int fd = (int) check("socket AF_UNIX", Libc.syscall(SYS_SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(SOCKADDR_UN);
            sa.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, sa, JAVA_BYTE, 2, name.length);
            check("bind " + path, Libc.syscall(SYS_BIND, fd, sa.address(), SOCKADDR_UN, 0, 0, 0));
            check("listen " + path, Libc.syscall(SYS_LISTEN, fd, 8, 0, 0, 0, 0));
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
        return new UnixListener(fd);
    }

    /** Waits for a client; returns its descriptor (reads time out), or -1 once the listener is closed. */
    public int accept() {
        while (true) {
            long rc = Libc.syscall(SYS_ACCEPT4, fd, 0, 0, SOCK_CLOEXEC, 0, 0);
            if (rc >= 0) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment tv = a.allocate(16);          // struct timeval
                    tv.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, CLIENT_TIMEOUT_S);
                    Libc.syscall(SYS_SETSOCKOPT, rc, SOL_SOCKET, SO_RCVTIMEO, tv.address(), 16, 0);
                }
                return (int) rc;
            }
            if (closed) return -1;
            if (rc != -Libc.EINTR && rc != -103 /* ECONNABORTED */) throw new SysException("accept", (int) -rc);
        }
    }

    /**
     * Ends an answer: no more writes, and what the client still sends (an over-long request) is
     * read and dropped, so closing does not reset the connection before the client has read.
     */
    public static void finish(int client) {
        Libc.syscall(SYS_SHUTDOWN, client, SHUT_WR, 0, 0, 0, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sink = a.allocate(4096);
            for (int i = 0; i < 64; i++) {
                long rc = Libc.read(client, sink, sink.byteSize());
                if (rc == -Libc.EINTR) continue;
                if (rc <= 0) return;
            }
        }
    }

    /** Reads into buf; returns the count, 0 at end of stream. */
    public static int read(int client, MemorySegment buf) {
        while (true) {
            long rc = Libc.read(client, buf, buf.byteSize());
            if (rc != -Libc.EINTR) return (int) check("read from a control client", rc);
        }
    }

    /** Writes all of data. */
    public static void writeAll(int client, byte[] data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, JAVA_BYTE, 0, data.length);
            long off = 0;
            while (off < data.length) {
                long rc = Libc.write(client, buf.asSlice(off), data.length - off);
                if (rc == -Libc.EINTR) continue;
                off += check("write to a control client", rc);
            }
        }
    }

    /** Wakes a thread blocked in accept (shutdown), then closes. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Libc.syscall(SYS_SHUTDOWN, fd, SHUT_RDWR, 0, 0, 0, 0);
        Libc.close(fd);
    }

    private static long check(String what, long rc) {
        if (rc < 0) throw new SysException(what, (int) -rc);
        return rc;
    }
}
