package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls jhyve needs, bound once through java.lang.foreign. Every call that can fail
 * captures errno in the same downcall (reading it with a later call is unreliable) and throws
 * {@link SysException} naming the call. Blocking calls (KVM_RUN, epoll_wait, read) are never
 * linked as critical.
 */
public final class Libc {
    private Libc() {}

    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200,
            O_NOCTTY = 0400, O_TRUNC = 01000, O_APPEND = 02000, O_NONBLOCK = 04000, O_SYNC = 04010000,
            O_DIRECT = 040000, O_CLOEXEC = 02000000;
    public static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000,
            MAP_POPULATE = 0x8000;
    public static final int MADV_DONTDUMP = 16, MADV_DODUMP = 17, MADV_HUGEPAGE = 14, MADV_MERGEABLE = 12;
    public static final int EINTR = 4, EAGAIN = 11, ENOENT = 2, EBADF = 9, EEXIST = 17, EINVAL = 22, ENOSYS = 38;
    public static final int EFD_CLOEXEC = 02000000, EFD_NONBLOCK = 04000;
    public static final int MFD_CLOEXEC = 1;
    public static final int SIGTERM = 15, SIGINT = 2, SIGHUP = 1, SIGUSR1 = 10;
    public static final int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** Per-thread scratch for the errno capture: allocated once per thread, never freed. */
    private static final ThreadLocal<MemorySegment> ERRNO_SLOT =
            ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE));

    static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(sym, fd, options);
    }

    private static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
        return bind(name, fd, CAPTURE_ERRNO);
    }

    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL_PTR = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_LONG = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = errnoCall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = errnoCall("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = errnoCall("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MLOCK = errnoCall("mlock", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle EVENTFD = errnoCall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = errnoCall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = errnoCall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MEMFD_CREATE = errnoCall("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FTRUNCATE = errnoCall("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle PTHREAD_SELF = bind("pthread_self", FunctionDescriptor.of(JAVA_LONG),
            Linker.Option.critical(false));
    private static final MethodHandle PTHREAD_KILL = bind("pthread_kill", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PTHREAD_SIGMASK = bind("pthread_sigmask",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGACTION = errnoCall("sigaction", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGTIMEDWAIT = errnoCall("sigtimedwait", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle SCHED_SETAFFINITY = errnoCall("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETTID = bind("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPID = bind("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle STRERROR = bind("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle PRCTL = errnoCall("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG));

    private static int errno(MemorySegment slot) { return (int) ERRNO.get(slot, 0L); }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    static int check(String call, int rc, MemorySegment slot) {
        if (rc < 0) throw new SysException(call, errno(slot));
        return rc;
    }

    public static int open(String path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment slot = ERRNO_SLOT.get();
            int fd = (int) OPEN.invokeExact(slot, a.allocateFrom(path), flags | O_CLOEXEC, mode);
            return check("open " + path, fd, slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void close(int fd) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            check("close fd " + fd, (int) CLOSE.invokeExact(slot, fd), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** ioctl with a pointer argument; returns the (non-negative) result. */
    public static int ioctl(int fd, long request, MemorySegment arg, String what) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            int rc = (int) IOCTL_PTR.invokeExact(slot, fd, request, arg);
            return check(what, rc, slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** ioctl with an integer argument. */
    public static int ioctl(int fd, long request, long arg, String what) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            int rc = (int) IOCTL_LONG.invokeExact(slot, fd, request, arg);
            return check(what, rc, slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * ioctl that reports errno instead of throwing: returns the result, or -errno. KVM_RUN uses
     * this because EINTR (a kick) and EAGAIN are normal outcomes there.
     */
    public static int ioctlRaw(int fd, long request, long arg) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            int rc = (int) IOCTL_LONG.invokeExact(slot, fd, request, arg);
            return rc < 0 ? -errno(slot) : rc;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Maps length bytes; the segment is usable for its whole length and unmapped by the caller. */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            MemorySegment p = (MemorySegment) MMAP.invokeExact(slot, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (p.address() == -1L) throw new SysException("mmap " + what + " (" + length + " bytes)", errno(slot));
            return p.reinterpret(length);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void munmap(MemorySegment seg) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            check("munmap", (int) MUNMAP.invokeExact(slot, seg, seg.byteSize()), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void madvise(MemorySegment seg, int advice) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            check("madvise " + advice, (int) MADVISE.invokeExact(slot, seg, seg.byteSize(), advice), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void mlock(MemorySegment seg) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            check("mlock " + seg.byteSize() + " bytes", (int) MLOCK.invokeExact(slot, seg, seg.byteSize()), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int eventfd(int initval, int flags) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            return check("eventfd", (int) EVENTFD.invokeExact(slot, initval, flags | EFD_CLOEXEC), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** read(2); returns bytes read, or -errno (EAGAIN/EINTR are for the caller to judge). */
    public static long read(int fd, MemorySegment buf, long len) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            long n = (long) READ.invokeExact(slot, fd, buf, len);
            return n < 0 ? -errno(slot) : n;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** write(2); returns bytes written, or -errno. */
    public static long write(int fd, MemorySegment buf, long len) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            long n = (long) WRITE.invokeExact(slot, fd, buf, len);
            return n < 0 ? -errno(slot) : n;
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int memfdCreate(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment slot = ERRNO_SLOT.get();
            return check("memfd_create " + name, (int) MEMFD_CREATE.invokeExact(slot, a.allocateFrom(name), MFD_CLOEXEC), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void ftruncate(int fd, long size) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            check("ftruncate to " + size, (int) FTRUNCATE.invokeExact(slot, fd, size), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static long pthreadSelf() {
        try { return (long) PTHREAD_SELF.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void pthreadKill(long thread, int sig) {
        try {
            int rc = (int) PTHREAD_KILL.invokeExact(thread, sig);
            if (rc != 0) throw new SysException("pthread_kill signal " + sig, rc);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** A sigset_t (128 bytes in glibc) holding the given signals. */
    public static MemorySegment sigset(Arena arena, int... signals) {
        MemorySegment set = arena.allocate(128, 8);
        for (int s : signals) {
            int bit = s - 1;
            long word = set.get(JAVA_LONG, (bit / 64) * 8L);
            set.set(JAVA_LONG, (bit / 64) * 8L, word | (1L << (bit % 64)));
        }
        return set;
    }

    public static void pthreadSigmask(int how, MemorySegment set) {
        try {
            int rc = (int) PTHREAD_SIGMASK.invokeExact(how, set, MemorySegment.NULL);
            if (rc != 0) throw new SysException("pthread_sigmask", rc);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * Waits for one of the signals in set (which the caller has blocked); returns the signal
     * number, or -1 on timeout.
     */
    public static int sigtimedwait(MemorySegment set, long timeoutNanos) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ts = a.allocate(16, 8);
            ts.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            ts.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            MemorySegment slot = ERRNO_SLOT.get();
            int sig = (int) SIGTIMEDWAIT.invokeExact(slot, set, MemorySegment.NULL, ts);
            if (sig < 0) {
                int e = errno(slot);
                if (e == EAGAIN || e == EINTR) return -1;
                throw new SysException("sigtimedwait", e);
            }
            return sig;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * Installs a native handler address for a signal (no SA_RESTART, so blocking calls return
     * EINTR). The handler must be machine code, never an FFM upcall: HotSpot aborts when an
     * upcall runs inside a signal handler.
     */
    public static void sigaction(int sig, MemorySegment handler) {
        try (Arena a = Arena.ofConfined()) {
            // struct sigaction (glibc x86-64): handler 8, sa_mask 128, sa_flags 4 (+4 pad), restorer 8.
            MemorySegment sa = a.allocate(152, 8);
            sa.set(ADDRESS, 0, handler);
            MemorySegment slot = ERRNO_SLOT.get();
            check("sigaction " + sig, (int) SIGACTION.invokeExact(slot, sig, sa, MemorySegment.NULL), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Pins the calling thread to the given host CPUs. */
    public static void setAffinity(java.util.BitSet cpus) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(128, 8);
            for (int c = cpus.nextSetBit(0); c >= 0; c = cpus.nextSetBit(c + 1)) {
                if (c >= 1024) throw new IllegalArgumentException("host cpu " + c + " out of range");
                long w = mask.get(JAVA_LONG, (c / 64) * 8L);
                mask.set(JAVA_LONG, (c / 64) * 8L, w | (1L << (c % 64)));
            }
            MemorySegment slot = ERRNO_SLOT.get();
            check("sched_setaffinity " + cpus, (int) SCHED_SETAFFINITY.invokeExact(slot, 0, 128L, mask), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int gettid() {
        try { return (int) GETTID.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
    }

    public static int getpid() {
        try { return (int) GETPID.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
    }

    /** prctl(2), e.g. PR_SET_NAME is not needed (Java names threads) but PR_SET_DUMPABLE is. */
    public static int prctl(int option, long a2) {
        try {
            MemorySegment slot = ERRNO_SLOT.get();
            return check("prctl " + option, (int) PRCTL.invokeExact(slot, option, a2, 0L, 0L, 0L), slot);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) { return "errno " + errno; }
    }

    static final ValueLayout.OfLong U64 = JAVA_LONG;
}
