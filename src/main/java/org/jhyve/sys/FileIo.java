package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Positional file I/O for block back ends: vectored reads and writes straight between a file and guest
 * memory (no copy through the Java heap), fdatasync, fallocate, lseek, the block-device ioctls
 * (size, sector sizes, discard, zero-out) and getrandom. The reads and writes are raw system
 * calls (-errno in the result); the others capture errno themselves. The I/O calls return
 * -errno instead of throwing, because a failed guest request is reported to the guest, not to
 * the VMM.
 */
public final class FileIo {
    private FileIo() { }

    public static final int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2, FALLOC_FL_ZERO_RANGE = 0x10;
    public static final int SEEK_SET = 0, SEEK_END = 2;
    public static final int EIO = 5, EOPNOTSUPP = 95, ENOSPC = 28;
    /** linux/fs.h: _IOR(0x12, 114, size_t), _IO(0x12, 119), _IO(0x12, 104), _IO(0x12, 123), _IO(0x12, 127). */
    public static final long BLKGETSIZE64 = 0x80081272L, BLKDISCARD = 0x1277, BLKSSZGET = 0x1268, BLKPBSZGET = 0x127B,
            BLKZEROOUT = 0x127F;

    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final ThreadLocal<MemorySegment> SLOT = ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE));

    private static final MethodHandle FDATASYNC = Libc.bind("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle FALLOCATE = Libc.bind("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle LSEEK = Libc.bind("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle IOCTL = Libc.bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle GETRANDOM = Libc.bind("getrandom",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);

    private static int errno(MemorySegment slot) { return (int) ERRNO.get(slot, 0L); }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** preadv2's RWF_NOWAIT (linux/fs.h): fail with EAGAIN rather than wait for the device. */
    public static final int RWF_NOWAIT = 8;
    private static final long SYS_PREADV2 = 327, SYS_PWRITEV2 = 328;
    /** The most iovecs one preadv2/pwritev2 takes (IOV_MAX, limits.h). */
    public static final int IOV_MAX = 1024;
    /** Each thread's iovec array (16 KiB): vectored calls come from the few device and I/O threads. */
    private static final ThreadLocal<MemorySegment> IOVECS = ThreadLocal.withInitial(() -> Arena.global().allocate(16L * IOV_MAX, 8));

    /**
     * Moves bytes between the file at offset and bufs (in order, consecutive in the file) with
     * preadv2/pwritev2 and flags, IOV_MAX buffers a call, until all are moved: one system call
     * for a request of many guest buffers instead of one per buffer. Returns the bytes moved,
     * which is short only when a read meets the end of the file (or RWF_NOWAIT data that is not
     * cached), or -errno if a call fails (then what earlier calls moved is not to be relied on);
     * a write that moves nothing is -EIO. EINTR is retried. Raw system calls (no errno capture); bufs must be native memory.
     */
    public static long transfer(boolean write, int fd, List<MemorySegment> bufs, long offset, int flags) {
        MemorySegment iov = IOVECS.get();
        int index = 0;          // first buffer not fully moved
        long within = 0;        // bytes of it already moved
        long done = 0;
        while (true) {
            while (index < bufs.size() && bufs.get(index).byteSize() == within) {
                index++;
                within = 0;
            }
            if (index == bufs.size()) return done;
            int count = 0;
            long asked = 0;
            for (int i = index; i < bufs.size() && count < IOV_MAX; i++, count++) {
                MemorySegment b = bufs.get(i);
                if (!b.isNative()) throw new IllegalArgumentException("vectored I/O on a heap segment");
                long skip = i == index ? within : 0;
                iov.set(JAVA_LONG, 16L * count, b.address() + skip);
                iov.set(JAVA_LONG, 16L * count + 8, b.byteSize() - skip);
                asked += b.byteSize() - skip;
            }
            long n;
            do {
                // x86-64: (fd, iov, iovcnt, pos_l, pos_h, flags); a 64-bit kernel takes the offset from pos_l
                n = Libc.syscall(write ? SYS_PWRITEV2 : SYS_PREADV2, fd, iov.address(), count, offset + done, 0, flags);
            } while (n == -Libc.EINTR);
            if (n < 0) return n;
            if (n == 0) return write ? -EIO : done;
            done += n;
            long left = n;
            while (left > 0) {
                long rest = bufs.get(index).byteSize() - within;
                if (left < rest) {
                    within += left;
                    left = 0;
                } else {
                    left -= rest;
                    index++;
                    within = 0;
                }
            }
            if (n < asked && !write && (flags & RWF_NOWAIT) != 0) return done;   // partly cached: the caller waits
        }
    }

    /** fdatasync(2): 0 or -errno. */
    public static int fdatasync(int fd) {
        try {
            MemorySegment slot = SLOT.get();
            int rc = (int) FDATASYNC.invokeExact(slot, fd);
            return rc < 0 ? -errno(slot) : 0;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** fallocate(2): 0 or -errno (EOPNOTSUPP where the file system cannot). */
    public static int fallocate(int fd, int mode, long offset, long length) {
        try {
            MemorySegment slot = SLOT.get();
            int rc = (int) FALLOCATE.invokeExact(slot, fd, mode, offset, length);
            return rc < 0 ? -errno(slot) : 0;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** lseek(2); throws on failure (only used on descriptors jhyve opened). */
    public static long lseek(int fd, long offset, int whence) {
        try {
            MemorySegment slot = SLOT.get();
            long r = (long) LSEEK.invokeExact(slot, fd, offset, whence);
            if (r < 0) throw new SysException("lseek fd " + fd, errno(slot));
            return r;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** An ioctl whose argument is a buffer; 0 (or the result) or -errno. */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            MemorySegment slot = SLOT.get();
            int rc = (int) IOCTL.invokeExact(slot, fd, request, arg);
            return rc < 0 ? -errno(slot) : rc;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** BLKGETSIZE64 of a block device; throws on failure. */
    public static long blockDeviceSize(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            int rc = ioctl(fd, BLKGETSIZE64, v);
            if (rc < 0) throw new SysException("ioctl BLKGETSIZE64", -rc);
            return v.get(JAVA_LONG, 0);
        }
    }

    /** BLKSSZGET / BLKPBSZGET (logical / physical sector size); throws on failure. */
    public static int blockDeviceSectorSize(int fd, boolean physical) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            int rc = ioctl(fd, physical ? BLKPBSZGET : BLKSSZGET, v);
            if (rc < 0) throw new SysException(physical ? "ioctl BLKPBSZGET" : "ioctl BLKSSZGET", -rc);
            return v.get(JAVA_INT, 0);
        }
    }

    /** BLKDISCARD or BLKZEROOUT over [offset, offset+length): 0 or -errno. */
    public static int blockRange(int fd, long request, long offset, long length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment range = a.allocate(16, 8);
            range.set(JAVA_LONG, 0, offset);
            range.set(JAVA_LONG, 8, length);
            return ioctl(fd, request, range);
        }
    }

    /** getrandom(2) filling buf (may return fewer bytes); bytes or -errno. */
    public static long getrandom(MemorySegment buf) {
        try {
            MemorySegment slot = SLOT.get();
            while (true) {
                long n = (long) GETRANDOM.invokeExact(slot, buf, buf.byteSize(), 0);
                if (n >= 0) return n;
                int e = errno(slot);
                if (e != Libc.EINTR) return -e;
            }
        } catch (Throwable t) { throw rethrow(t); }
    }
}
