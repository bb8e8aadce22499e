package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system calls jhyve needs, through java.lang.foreign.
 *
 * <p>Almost everything goes through one downcall handle, a raw system call stub (see
 * {@link #syscall}): every FFM downcall shape costs several milliseconds to link on first use,
 * and one plain shape for all calls is the cheapest start (see BENCHMARKS.md). The kernel's
 * -errno comes back as the result, and failures throw {@link SysException} naming the call.
 * The few callers that need libc proper (strerror; FileIo, Epoll and NetCalls with their own
 * errno capture) bind their own handles. Nothing here is linked {@code critical}: KVM_RUN, reads and waits block.
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
    public static final int EPERM = 1, EINTR = 4, EAGAIN = 11, ENOENT = 2, EBADF = 9, EEXIST = 17, EINVAL = 22, ENOSYS = 38;
    public static final long MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8;
    public static final int EFD_CLOEXEC = 02000000, EFD_NONBLOCK = 04000;
    public static final int MFD_CLOEXEC = 1;
    public static final int SIGTERM = 15, SIGINT = 2, SIGHUP = 1, SIGUSR1 = 10;
    public static final int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;

    /** x86-64 system call numbers (asm/unistd_64.h). */
    static final long SYS_READ = 0, SYS_WRITE = 1, SYS_CLOSE = 3, SYS_MMAP = 9, SYS_MPROTECT = 10, SYS_MUNMAP = 11,
            SYS_RT_SIGACTION = 13, SYS_RT_SIGPROCMASK = 14, SYS_IOCTL = 16, SYS_PREAD64 = 17, SYS_PWRITE64 = 18, SYS_MADVISE = 28,
            SYS_GETPID = 39, SYS_FTRUNCATE = 77, SYS_GETEUID = 107, SYS_RT_SIGTIMEDWAIT = 128, SYS_GETPRIORITY = 140,
            SYS_SETPRIORITY = 141, SYS_MLOCK = 149, SYS_PRCTL = 157, SYS_MOUNT = 165, SYS_UMOUNT2 = 166,
            SYS_GETTID = 186, SYS_SCHED_SETAFFINITY = 203, SYS_TGKILL = 234, SYS_OPENAT = 257,
            SYS_EVENTFD2 = 290, SYS_MEMFD_CREATE = 319;
    static final int AT_FDCWD = -100;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    /** Seven longs in, one out: the shape of every system call made through {@link #syscall}. */
    private static final FunctionDescriptor SYSCALL7 = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);

    /**
     * The raw system call: a few instructions of machine code in an executable page, returning
     * the kernel's result (-errno on failure) with no errno to capture. A plain downcall without
     * captureCallState or variadic arguments links in about half the time of libc's syscall(3)
     * bound with them (~60-90 ms of every start) and is cheaper per call (no capture copy, no
     * thread-local), which the KVM_RUN loop feels.
     */
    private static final MethodHandle SYSCALL = rawSyscall();

    private static MethodHandle rawSyscall() {
        // libc's syscall(3) with the same shape only builds the page: one shape, one stub.
        // Called non-variadically, which is safe for glibc's assembly syscall(); failures there
        // return -1 and leave errno where it cannot be read reliably, hence the plain messages.
        MemorySegment libcSyscall = LIBC.find("syscall").orElseThrow(() -> new UnsatisfiedLinkError("libc has no syscall"));
        MethodHandle viaLibc = LINKER.downcallHandle(libcSyscall, SYSCALL7);
        try {
            long page = (long) viaLibc.invokeExact(SYS_MMAP, 0L, 4096L, (long) (PROT_READ | PROT_WRITE),
                    (long) (MAP_PRIVATE | MAP_ANONYMOUS), -1L, 0L);
            if (page == -1) throw new IllegalStateException("mmap of the system call page failed");
            byte[] code = {
                    0x48, (byte) 0x89, (byte) 0xF8,       // mov %rdi,%rax   number
                    0x48, (byte) 0x89, (byte) 0xF7,       // mov %rsi,%rdi   a1
                    0x48, (byte) 0x89, (byte) 0xD6,       // mov %rdx,%rsi   a2
                    0x48, (byte) 0x89, (byte) 0xCA,       // mov %rcx,%rdx   a3
                    0x4D, (byte) 0x89, (byte) 0xC2,       // mov %r8,%r10    a4
                    0x4D, (byte) 0x89, (byte) 0xC8,       // mov %r9,%r8     a5
                    0x4C, (byte) 0x8B, 0x4C, 0x24, 0x08,  // mov 8(%rsp),%r9 a6 (the 7th argument is on the stack)
                    0x0F, 0x05,                           // syscall
                    (byte) 0xC3};                         // ret
            MemorySegment seg = MemorySegment.ofAddress(page).reinterpret(4096);
            MemorySegment.copy(MemorySegment.ofArray(code), 0, seg, 0, code.length);
            long rc = (long) viaLibc.invokeExact(SYS_MPROTECT, page, 4096L, (long) (PROT_READ | PROT_EXEC), 0L, 0L, 0L);
            if (rc == -1) throw new IllegalStateException("mprotect of the system call page to read+exec failed");
            return LINKER.downcallHandle(seg, SYSCALL7);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(sym, fd, options);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** A raw system call: the result, or -errno. */
    public static long syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return (long) SYSCALL.invokeExact(nr, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) { throw rethrow(t); }
    }

    private static long sys(long nr, long a1, long a2, long a3) { return syscall(nr, a1, a2, a3, 0, 0, 0); }

    /** A system call that must succeed: the result, or SysException naming what failed. */
    private static long must(String what, long rc) {
        if (rc < 0) throw new SysException(what, (int) -rc);
        return rc;
    }

    public static int open(String path, int flags, int mode) {
        try (Arena a = Arena.ofConfined()) {
            long path0 = a.allocateFrom(path).address();
            return (int) must("open " + path, syscall(SYS_OPENAT, AT_FDCWD, path0, flags | O_CLOEXEC, mode, 0, 0));
        }
    }

    public static void close(int fd) {
        must("close fd " + fd, sys(SYS_CLOSE, fd, 0, 0));
    }

    /** ioctl with a pointer argument; returns the (non-negative) result. */
    public static int ioctl(int fd, long request, MemorySegment arg, String what) {
        return (int) must(what, ioctlRetrying(fd, request, arg.address()));
    }

    /** ioctl with an integer argument. */
    public static int ioctl(int fd, long request, long arg, String what) {
        return (int) must(what, ioctlRetrying(fd, request, arg));
    }

    /**
     * An ioctl interrupted by a signal did nothing and is repeated: KVM_CREATE_VM, for one, fails
     * with EINTR whenever a signal is pending (seen under a sampling profiler, whose signals then
     * made jhyve give up at start). KVM_RUN does not come here: its EINTR is a kick.
     */
    private static long ioctlRetrying(int fd, long request, long arg) {
        long rc;
        do {
            rc = sys(SYS_IOCTL, fd, request, arg);
        } while (rc == -EINTR);
        return rc;
    }

    /**
     * ioctl that reports errno instead of throwing: returns the result, or -errno. KVM_RUN uses
     * this because EINTR (a kick) and EAGAIN are normal outcomes there.
     */
    public static int ioctlRaw(int fd, long request, long arg) {
        return (int) sys(SYS_IOCTL, fd, request, arg);
    }

    /** Maps length bytes; the segment is usable for its whole length and unmapped by the caller. */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what) {
        long p = syscall(SYS_MMAP, 0, length, prot, flags, fd, offset);
        if (p < 0 && p > -4096) throw new SysException("mmap " + what + " (" + length + " bytes)", (int) -p);
        return MemorySegment.ofAddress(p).reinterpret(length);
    }

    public static void munmap(MemorySegment seg) {
        must("munmap", sys(SYS_MUNMAP, seg.address(), seg.byteSize(), 0));
    }

    public static void mprotect(MemorySegment seg, int prot) {
        must("mprotect " + seg.byteSize() + " bytes to " + prot, sys(SYS_MPROTECT, seg.address(), seg.byteSize(), prot));
    }

    public static void madvise(MemorySegment seg, int advice) {
        must("madvise " + advice, sys(SYS_MADVISE, seg.address(), seg.byteSize(), advice));
    }

    public static void mlock(MemorySegment seg) {
        must("mlock " + seg.byteSize() + " bytes", sys(SYS_MLOCK, seg.address(), seg.byteSize(), 0));
    }

    public static int eventfd(int initval, int flags) {
        return (int) must("eventfd", sys(SYS_EVENTFD2, initval, flags | EFD_CLOEXEC, 0));
    }

    /** read(2); returns bytes read, or -errno (EAGAIN/EINTR are for the caller to judge). */
    public static long read(int fd, MemorySegment buf, long len) {
        return sys(SYS_READ, fd, buf.address(), len);
    }

    /** write(2); returns bytes written, or -errno. */
    public static long write(int fd, MemorySegment buf, long len) {
        return sys(SYS_WRITE, fd, buf.address(), len);
    }

    /** pread(2); returns bytes read, or -errno. */
    public static long pread(int fd, MemorySegment buf, long len, long offset) {
        return syscall(SYS_PREAD64, fd, buf.address(), len, offset, 0, 0);
    }

    /** pwrite(2); returns bytes written, or -errno. */
    public static long pwrite(int fd, MemorySegment buf, long len, long offset) {
        return syscall(SYS_PWRITE64, fd, buf.address(), len, offset, 0, 0);
    }

    public static int memfdCreate(String name) {
        try (Arena a = Arena.ofConfined()) {
            return (int) must("memfd_create " + name, sys(SYS_MEMFD_CREATE, a.allocateFrom(name).address(), MFD_CLOEXEC, 0));
        }
    }

    public static void ftruncate(int fd, long size) {
        must("ftruncate to " + size, sys(SYS_FTRUNCATE, fd, size, 0));
    }

    /** mount(2) of a file system that needs no device (tmpfs), nosuid, nodev, noexec: {@code options} is its data string. */
    public static void mount(String fsType, String target, String options) {
        try (Arena a = Arena.ofConfined()) {
            must("mount " + fsType + " on " + target + " (" + options + ")", syscall(SYS_MOUNT, a.allocateFrom(fsType).address(),
                    a.allocateFrom(target).address(), a.allocateFrom(fsType).address(), MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    a.allocateFrom(options).address(), 0));
        }
    }

    /** umount2(2) with no flags. */
    public static void umount(String target) {
        try (Arena a = Arena.ofConfined()) {
            must("umount " + target, sys(SYS_UMOUNT2, a.allocateFrom(target).address(), 0, 0));
        }
    }

    public static int gettid() { return (int) sys(SYS_GETTID, 0, 0, 0); }

    public static int getpid() { return (int) sys(SYS_GETPID, 0, 0, 0); }

    /**
     * Makes enough system calls for the JDK to customise the syscall handle now. Until compiled
     * code inlines it, every call through a method handle counts, and the 128th (the JDK's
     * MethodHandle.CUSTOMIZE_THRESHOLD, 127) spins a LambdaForm class for that handle: ~1.5-3 ms of
     * interpreted work that otherwise lands on whichever thread makes that call, during a start
     * the vCPU thread between two exits. A thread with nothing else to do calls this first.
     */
    public static void customizeSyscallHandle() {
        for (int i = 0; i < 130; i++) getpid();
    }

    public static int geteuid() { return (int) sys(SYS_GETEUID, 0, 0, 0); }

    /** One thread's nice value (getpriority(PRIO_PROCESS, tid)); SysException when there is no such thread. */
    public static int threadNice(int tid) {
        return 20 - (int) must("getpriority of thread " + tid, sys(SYS_GETPRIORITY, 0, tid, 0));   // the kernel returns 20 - nice
    }

    /** Sets one thread's nice value (setpriority(PRIO_PROCESS, tid, nice)). */
    public static void setThreadNice(int tid, int nice) {
        must("setpriority of thread " + tid + " to " + nice, sys(SYS_SETPRIORITY, 0, tid, nice));
    }

    /** Sends a signal to one thread of this process (by its kernel thread id). */
    public static void tgkill(int tid, int sig) {
        must("tgkill " + tid + " signal " + sig, sys(SYS_TGKILL, getpid(), tid, sig));
    }

    /** A sigset_t (128 bytes in glibc; the kernel reads the first 8) holding the given signals. */
    public static MemorySegment sigset(Arena arena, int... signals) {
        MemorySegment set = arena.allocate(128, 8);
        for (int s : signals) {
            int bit = s - 1;
            long word = set.get(JAVA_LONG, (bit / 64) * 8L);
            set.set(JAVA_LONG, (bit / 64) * 8L, word | (1L << (bit % 64)));
        }
        return set;
    }

    /** Changes the calling thread's signal mask. */
    public static void pthreadSigmask(int how, MemorySegment set) {
        must("rt_sigprocmask", syscall(SYS_RT_SIGPROCMASK, how, set.address(), 0, 8, 0, 0));
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
            long sig = syscall(SYS_RT_SIGTIMEDWAIT, set.address(), 0, ts.address(), 8, 0, 0);
            if (sig == -EAGAIN || sig == -EINTR) return -1;
            return (int) must("rt_sigtimedwait", sig);
        }
    }

    /** x86-64 SA_RESTORER: the kernel returns from a handler through sa_restorer (rt_sigreturn). */
    private static final long SA_RESTORER = 0x04000000L;

    /**
     * The signal return trampoline libc would supply ({@code mov $15,%eax; syscall}, i.e.
     * rt_sigreturn), in its own executable page: made here rather than binding libc's sigaction,
     * whose downcall shape would cost a stub of its own at every start.
     */
    private static final class Restorer {
        static final MemorySegment PAGE = make();

        private static MemorySegment make() {
            MemorySegment page = mmap(4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "signal restorer page");
            byte[] code = {(byte) 0xB8, 0x0F, 0x00, 0x00, 0x00, 0x0F, 0x05};
            MemorySegment.copy(MemorySegment.ofArray(code), 0, page, 0, code.length);
            mprotect(page, PROT_READ | PROT_EXEC);
            return page;
        }
    }

    /**
     * Installs a native handler address for a signal (no SA_RESTART, so blocking calls return
     * EINTR). The handler must be machine code, never an FFM upcall: HotSpot aborts when an
     * upcall runs inside a signal handler.
     */
    public static void sigaction(int sig, MemorySegment handler) {
        try (Arena a = Arena.ofConfined()) {
            // The kernel's struct sigaction (x86-64): handler 8, flags 8, restorer 8, mask 8.
            MemorySegment sa = a.allocate(32, 8);
            sa.set(JAVA_LONG, 0, handler.address());
            sa.set(JAVA_LONG, 8, SA_RESTORER);
            sa.set(JAVA_LONG, 16, Restorer.PAGE.address());
            must("rt_sigaction " + sig, syscall(SYS_RT_SIGACTION, sig, sa.address(), 0, 8, 0, 0));
        }
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
            must("sched_setaffinity " + cpus, sys(SYS_SCHED_SETAFFINITY, 0, 128, mask.address()));
        }
    }

    /** prctl(2). */
    public static int prctl(int option, long a2) {
        return (int) must("prctl " + option, syscall(SYS_PRCTL, option, a2, 0, 0, 0, 0));
    }

    private static final class Strerror {
        static final MethodHandle H = bind("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Strerror.H.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) { return "errno " + errno; }
    }
}
