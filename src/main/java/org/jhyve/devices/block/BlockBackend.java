package org.jhyve.devices.block;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Storage behind a block front end (virtio-blk now; ahci and nvme later). Offsets and lengths
 * are in bytes. I/O methods return 0 or -errno: a failed request is the guest's business
 * (it gets an I/O error), never an exception in the VMM. Safe for concurrent requests.
 */
public interface BlockBackend extends AutoCloseable {
    /** Current size in bytes (re-read each call, so growth is seen). */
    long size();

    boolean readOnly();

    int logicalSectorSize();

    int physicalSectorSize();

    /** Whether discard (hole punching / BLKDISCARD) is available and not switched off. */
    boolean canDiscard();

    /** Reads consecutive bytes from offset into the buffers, in order. */
    int read(long offset, List<MemorySegment> buffers);

    /**
     * {@link #read}, but only if it needs no waiting for the device (the data is in the host's
     * page cache): 0 when all of it was read, otherwise -EAGAIN, and then nothing in the buffers
     * is to be relied on (the caller reads again with {@link #read}, which also reports errors).
     * Lets the front end serve cached reads on its own thread and hand the rest to I/O threads.
     */
    default int readCached(long offset, List<MemorySegment> buffers) { return -EAGAIN; }

    int EAGAIN = 11;

    /**
     * Whether concurrent writes would only queue for one lock here (buffered writes to a regular
     * file: the file system takes the inode lock for each), so a front end gains nothing from
     * running them on several threads and loses the contention.
     */
    default boolean writesSerialize() { return false; }

    /** Writes the buffers, in order, to consecutive bytes from offset. */
    int write(long offset, List<MemorySegment> buffers);

    /** Makes completed writes durable (fdatasync). */
    int flush();

    int discard(long offset, long length);

    /** Makes the range read as zeros (unmap allows deallocating it). */
    int writeZeroes(long offset, long length, boolean unmap);

    @Override
    void close();
}
