package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * epoll(7) for device back ends that wait on many descriptors (eventfds from ioeventfd, taps,
 * sockets) on one thread. struct epoll_event is packed on x86-64: u32 events, u64 data = 12 bytes.
 * Through Libc's system-call stub (no downcall shapes of its own, -errno back), and {@link #await}
 * reuses one event buffer: it is called from the one thread that serves the descriptors, on every
 * wake-up of a device, so it allocates nothing native there.
 */
public final class Epoll implements AutoCloseable {
    public static final int EPOLLIN = 1, EPOLLOUT = 4, EPOLLERR = 8, EPOLLHUP = 0x10;
    static final int CTL_ADD = 1, CTL_DEL = 2, CTL_MOD = 3, EVENT_SIZE = 12, EPOLL_CLOEXEC = 02000000;
    private static final long SYS_EPOLL_WAIT = 232, SYS_EPOLL_CTL = 233, SYS_EPOLL_CREATE1 = 291;

    /** One ready descriptor: the token given at add() and the events that fired. */
    public record Event(long token, int events) {}

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ctlEvent = arena.allocate(EVENT_SIZE, 8);
    private MemorySegment events = MemorySegment.NULL;

    public Epoll() {
        long rc = Libc.syscall(SYS_EPOLL_CREATE1, EPOLL_CLOEXEC, 0, 0, 0, 0, 0);
        if (rc < 0) {
            arena.close();
            throw new SysException("epoll_create1", (int) -rc);
        }
        fd = (int) rc;
    }

    public void add(int target, int events, long token) { ctl(CTL_ADD, target, events, token); }

    public void modify(int target, int events, long token) { ctl(CTL_MOD, target, events, token); }

    public void remove(int target) { ctl(CTL_DEL, target, 0, 0); }

    private synchronized void ctl(int op, int target, int events, long token) {
        ctlEvent.set(JAVA_INT_UNALIGNED, 0, events);
        ctlEvent.set(JAVA_LONG_UNALIGNED, 4, token);
        long rc = Libc.syscall(SYS_EPOLL_CTL, fd, op, target, ctlEvent.address(), 0, 0);
        if (rc < 0) throw new SysException("epoll_ctl op " + op + " fd " + target, (int) -rc);
    }

    /**
     * Waits up to timeoutMs (-1: forever); an interrupted wait returns no events. Called from one
     * thread (the buffer is reused).
     */
    public Event[] await(int maxEvents, int timeoutMs) {
        long need = (long) EVENT_SIZE * maxEvents;
        if (events.byteSize() < need) events = arena.allocate(need, 8);
        long n = Libc.syscall(SYS_EPOLL_WAIT, fd, events.address(), maxEvents, timeoutMs, 0, 0);
        if (n == -Libc.EINTR) return new Event[0];
        if (n < 0) throw new SysException("epoll_wait", (int) -n);
        Event[] out = new Event[(int) n];
        for (int i = 0; i < n; i++) {
            out[i] = new Event(events.get(JAVA_LONG_UNALIGNED, (long) i * EVENT_SIZE + 4),
                    events.get(JAVA_INT_UNALIGNED, (long) i * EVENT_SIZE));
        }
        return out;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
