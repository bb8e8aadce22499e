package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls network back ends need beyond {@link Libc}: socket(2) for interface ioctls,
 * if_nametoindex(3), and readv/writev(2) so a frame moves between a tap and scattered guest
 * buffers without an intermediate copy. errno is captured in the same downcall, as in Libc.
 */
public final class NetCalls {
    private NetCalls() {}

    public static final int AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 02000000;
    /** Bytes of one struct iovec (base pointer, length). */
    public static final int IOVEC_SIZE = 16;

    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final ThreadLocal<MemorySegment> SLOT = ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE));

    private static final MethodHandle SOCKET = Libc.bind("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle IF_NAMETOINDEX = Libc.bind("if_nametoindex",
            FunctionDescriptor.of(JAVA_INT, ADDRESS), CAPTURE_ERRNO);
    private static final MethodHandle SETNS = Libc.bind("setns",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    // per frame: the raw system call (Libc.syscall) returns -errno itself, with no errno capture
    // and no thread-local slot per call, and needs no downcall stub of its own
    private static final long SYS_READV = 19, SYS_WRITEV = 20;

    private static int errno(MemorySegment slot) { return (int) ERRNO.get(slot, 0L); }

    private static int check(String call, int rc, MemorySegment slot) {
        if (rc < 0) throw new SysException(call, errno(slot));
        return rc;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** socket(2) with SOCK_CLOEXEC. */
    public static int socket(int domain, int type, int protocol) {
        try {
            MemorySegment slot = SLOT.get();
            int fd = (int) SOCKET.invokeExact(slot, domain, type | SOCK_CLOEXEC, protocol);
            return check("socket domain " + domain + " type " + type, fd, slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** The interface index of name, or 0 when there is no such interface. */
    public static int ifNameToIndex(String name) {
        try (Arena a = Arena.ofConfined()) {
            return (int) IF_NAMETOINDEX.invokeExact(SLOT.get(), a.allocateFrom(name));
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static final int CLONE_NEWNET = 0x40000000;

    /**
     * setns(2): moves the calling thread (only it) into the namespace fd refers to, e.g. a network
     * namespace from /run/netns/NAME. Threads it starts afterwards are born there too.
     */
    public static void setns(int fd, int nstype) {
        try {
            MemorySegment slot = SLOT.get();
            check("setns fd " + fd, (int) SETNS.invokeExact(slot, fd, nstype), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** readv(2) over count iovecs at iov; bytes read, or -errno. */
    public static long readv(int fd, MemorySegment iov, int count) {
        return Libc.syscall(SYS_READV, fd, iov.address(), count, 0, 0, 0);
    }

    /** writev(2) over count iovecs at iov; bytes written, or -errno. */
    public static long writev(int fd, MemorySegment iov, int count) {
        return Libc.syscall(SYS_WRITEV, fd, iov.address(), count, 0, 0, 0);
    }

    /** Fills iovec number index of iov with seg's address and length. */
    public static void setIovec(MemorySegment iov, int index, MemorySegment seg) {
        iov.set(JAVA_LONG, (long) index * IOVEC_SIZE, seg.address());
        iov.set(JAVA_LONG, (long) index * IOVEC_SIZE + 8, seg.byteSize());
    }
}
