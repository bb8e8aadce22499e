package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The part of io_uring(7) that batches system calls: a submission and a completion ring shared
 * with the kernel, filled with writev requests and handed over by one io_uring_enter that also
 * waits for them. Many writes then cost one user/kernel round trip instead of one each. Used by
 * one thread at a time. Kernel structures (linux/io_uring.h): io_uring_params (120 bytes: ten
 * u32, then the SQ and CQ ring offsets, ten u32 each), SQEs of 64 bytes, CQEs of 16.
 */
public final class IoUring implements AutoCloseable {
    private static final long SYS_IO_URING_SETUP = 425, SYS_IO_URING_ENTER = 426;
    private static final long OFF_SQ_RING = 0, OFF_CQ_RING = 0x8000000L, OFF_SQES = 0x10000000L;
    private static final int ENTER_GETEVENTS = 1, FEAT_SINGLE_MMAP = 1, OP_WRITEV = 2;
    private static final int SQE_SIZE = 64, CQE_SIZE = 16;
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final int fd;
    private final MemorySegment sqRing, cqRing, sqes;
    private final long sqTail, sqArray, cqHead, cqTail, cqes;
    private final int sqMask, cqMask, entries;
    private int queued;

    private IoUring(int fd, MemorySegment params) {
        this.fd = fd;
        entries = params.get(JAVA_INT, 0);
        int cqEntries = params.get(JAVA_INT, 4);
        boolean single = (params.get(JAVA_INT, 20) & FEAT_SINGLE_MMAP) != 0;
        long sqOff = 40, cqOff = 80;
        sqArray = params.get(JAVA_INT, sqOff + 24);
        long sqSize = sqArray + 4L * entries, cqSize = params.get(JAVA_INT, cqOff + 20) + (long) CQE_SIZE * cqEntries;
        int rw = Libc.PROT_READ | Libc.PROT_WRITE, flags = Libc.MAP_SHARED | Libc.MAP_POPULATE;
        MemorySegment sq = null, cq = null;
        try {
            sq = Libc.mmap(single ? Math.max(sqSize, cqSize) : sqSize, rw, flags, fd, OFF_SQ_RING, "io_uring SQ ring");
            cq = single ? sq : Libc.mmap(cqSize, rw, flags, fd, OFF_CQ_RING, "io_uring CQ ring");
            sqes = Libc.mmap((long) SQE_SIZE * entries, rw, flags, fd, OFF_SQES, "io_uring SQEs");
        } catch (RuntimeException e) {
            if (cq != null && cq != sq) Libc.munmap(cq);
            if (sq != null) Libc.munmap(sq);
            throw e;
        }
        sqRing = sq;
        cqRing = cq;
        sqTail = params.get(JAVA_INT, sqOff + 4);
        sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, sqOff + 8));
        cqHead = params.get(JAVA_INT, cqOff);
        cqTail = params.get(JAVA_INT, cqOff + 4);
        cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, cqOff + 8));
        cqes = params.get(JAVA_INT, cqOff + 20);
    }

    /**
     * A ring of entries submissions (a power of two). Throws SysException when the kernel refuses:
     * ENOSYS (too old or built without it), EPERM (kernel.io_uring_disabled, or a seccomp filter
     * as container runtimes install), ENOMEM (locked-memory limit).
     */
    public static IoUring create(int entries) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(120, 8);
            long rc = Libc.syscall(SYS_IO_URING_SETUP, entries, params.address(), 0, 0, 0, 0);
            if (rc < 0) throw new SysException("io_uring_setup(" + entries + ")", (int) -rc);
            try {
                return new IoUring((int) rc, params);
            } catch (RuntimeException e) {
                Libc.close((int) rc);
                throw e;
            }
        }
    }

    /** Submissions the ring holds. */
    public int entries() { return entries; }

    /** Requests queued and not yet submitted. */
    public int queued() { return queued; }

    /**
     * Queues pwritev(fd, iov, count, offset) with a tag that comes back with its result; false when
     * the ring is full. A stream (a tap) ignores the offset.
     */
    public boolean writev(int fileFd, long iov, int count, long offset, long tag) {
        if (queued == entries) return false;
        int tail = (int) INT.getAcquire(sqRing, sqTail) + queued;
        int slot = tail & sqMask;
        MemorySegment e = sqes.asSlice((long) SQE_SIZE * slot, SQE_SIZE);
        e.fill((byte) 0);
        e.set(JAVA_BYTE, 0, (byte) OP_WRITEV);
        e.set(JAVA_INT, 4, fileFd);
        e.set(JAVA_LONG, 8, offset);
        e.set(JAVA_LONG, 16, iov);
        e.set(JAVA_INT, 24, count);
        e.set(JAVA_LONG, 32, tag);
        sqRing.set(JAVA_INT, sqArray + 4L * slot, slot);
        queued++;
        return true;
    }

    /** What {@link #submitAndWait} hands back per request. */
    public interface Completion {
        void done(long tag, int result);
    }

    /**
     * Submits what was queued and waits until all of it completed; each request's result (bytes,
     * or -errno) goes to sink, in completion order. Returns the number submitted.
     */
    public int submitAndWait(Completion sink) {
        int n = queued;
        if (n == 0) return 0;
        int tail = (int) INT.getAcquire(sqRing, sqTail);
        INT.setRelease(sqRing, sqTail, tail + n);   // the SQEs before the tail that publishes them
        queued = 0;
        int submitted = 0, completed = 0;
        while (completed < n) {
            long rc = Libc.syscall(SYS_IO_URING_ENTER, fd, n - submitted, n - completed, ENTER_GETEVENTS, 0, 0);
            if (rc < 0 && rc != -Libc.EINTR && rc != -Libc.EAGAIN) throw new SysException("io_uring_enter", (int) -rc);
            if (rc > 0) submitted += (int) rc;
            completed += reap(sink);
        }
        return n;
    }

    private int reap(Completion sink) {
        int head = (int) INT.getAcquire(cqRing, cqHead), tail = (int) INT.getAcquire(cqRing, cqTail), got = 0;
        for (; head != tail; head++, got++) {
            long at = cqes + (long) CQE_SIZE * (head & cqMask);
            sink.done(cqRing.get(JAVA_LONG, at), cqRing.get(JAVA_INT, at + 8));
        }
        INT.setRelease(cqRing, cqHead, head);
        return got;
    }

    @Override
    public void close() {
        Libc.munmap(sqes);
        if (cqRing != sqRing) Libc.munmap(cqRing);
        Libc.munmap(sqRing);
        Libc.close(fd);
    }
}
