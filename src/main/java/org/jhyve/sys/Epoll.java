package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * epoll(7) for device back ends that wait on many descriptors (eventfds from ioeventfd, taps,
 * sockets) on one thread. struct epoll_event is packed on x86-64: u32 events, u64 data = 12 bytes.
 */
public final class Epoll implements AutoCloseable {
    public static final int EPOLLIN = 1, EPOLLOUT = 4, EPOLLERR = 8, EPOLLHUP = 0x10;
    static final int CTL_ADD = 1, CTL_DEL = 2, CTL_MOD = 3, EVENT_SIZE = 12, EPOLL_CLOEXEC = 02000000;

    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle CREATE = Libc.bind("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle CTL = Libc.bind("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), ERRNO);
    private static final MethodHandle WAIT = Libc.bind("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO);
    private static final java.lang.foreign.MemoryLayout CAPTURE = Linker.Option.captureStateLayout();

    /** One ready descriptor: the token given at add() and the events that fired. */
    public record Event(long token, int events) {}

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = arena.allocate(CAPTURE);

    public Epoll() {
        try {
            fd = Libc.check("epoll_create1", (int) CREATE.invokeExact(errno, EPOLL_CLOEXEC), errno);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException(t);
        }
    }

    public void add(int target, int events, long token) { ctl(CTL_ADD, target, events, token); }

    public void modify(int target, int events, long token) { ctl(CTL_MOD, target, events, token); }

    public void remove(int target) { ctl(CTL_DEL, target, 0, 0); }

    private synchronized void ctl(int op, int target, int events, long token) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = a.allocate(EVENT_SIZE, 4);
            ev.set(JAVA_INT_UNALIGNED, 0, events);
            ev.set(JAVA_LONG_UNALIGNED, 4, token);
            Libc.check("epoll_ctl op " + op + " fd " + target, (int) CTL.invokeExact(errno, fd, op, target, ev), errno);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Waits up to timeoutMs (-1: forever); an interrupted wait returns no events. */
    public Event[] await(int maxEvents, int timeoutMs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment evs = a.allocate((long) EVENT_SIZE * maxEvents, 4);
            MemorySegment slot = a.allocate(CAPTURE);
            int n = (int) WAIT.invokeExact(slot, fd, evs, maxEvents, timeoutMs);
            if (n < 0) {
                int e = slot.get(JAVA_INT, 0);
                if (e == Libc.EINTR) return new Event[0];
                throw new SysException("epoll_wait", e);
            }
            Event[] out = new Event[n];
            for (int i = 0; i < n; i++) {
                out[i] = new Event(evs.get(JAVA_LONG_UNALIGNED, (long) i * EVENT_SIZE + 4),
                        evs.get(JAVA_INT_UNALIGNED, (long) i * EVENT_SIZE));
            }
            return out;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
