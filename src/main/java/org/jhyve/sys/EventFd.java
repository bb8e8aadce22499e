package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A non-blocking eventfd(2): a counter the kernel (ioeventfd, irqfd) or another thread signals
 * and an epoll loop waits on. Signalling and draining are safe from any thread.
 */
public final class EventFd implements AutoCloseable {
    private final int fd;
    private volatile boolean closed;

    public EventFd() {
        this.fd = Libc.eventfd(0, Libc.EFD_NONBLOCK);
    }

    public int fd() { return fd; }

    /** Adds 1 to the counter (wakes a waiter; an irqfd raises its interrupt). */
    public void signal() {
        if (closed) return;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1L);
            long n = Libc.write(fd, one, 8);
            if (n < 0 && n != -Libc.EAGAIN) throw new SysException("write eventfd " + fd, (int) -n);
        }
    }

    /** Reads and clears the counter; 0 when it was clear. */
    public long drain() {
        if (closed) return 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            long n = Libc.read(fd, v, 8);
            if (n == -Libc.EAGAIN) return 0;
            if (n < 0) throw new SysException("read eventfd " + fd, (int) -n);
            return v.get(JAVA_LONG, 0);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Libc.close(fd);
    }
}
