package org.jhyve.devices.block;

import org.jhyve.config.ConfigException;
import org.jhyve.sys.FileIo;
import org.jhyve.sys.Libc;
import org.jhyve.sys.SysException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * A regular file or a block device as a {@link BlockBackend}, with positional I/O straight
 * between the descriptor and guest memory. nocache opens with O_DIRECT (unaligned guest
 * buffers go through an aligned bounce buffer), sync with O_SYNC. Discard punches holes in files
 * (fallocate PUNCH_HOLE) and uses BLKDISCARD on devices; write-zeroes uses fallocate ZERO_RANGE /
 * BLKZEROOUT and falls back to writing zeros. As bhyve, a path that cannot be opened read-write
 * is opened read-only.
 */
public final class FileBackend implements BlockBackend {
    /** Looked up per message, not at class load: the first lookup loads the logging back end. */
    private static System.Logger log() { return System.getLogger("org.jhyve.devices.block"); }
    private static final int S_IFMT = 0170000, S_IFBLK = 0060000, S_IFREG = 0100000;
    private static final int BOUNCE_ALIGN = 4096;
    private static final int ZERO_CHUNK = 1 << 20;

    private final String path;
    private final int fd;
    private final boolean device;
    private final boolean readOnly;
    private final boolean direct;
    private final int logical, physical;
    private volatile boolean discard;
    private volatile boolean zeroRange = true;
    private volatile boolean nowaitReads = true;
    private volatile boolean closed;

    private FileBackend(String path, int fd, boolean device, boolean readOnly, boolean direct, int logical, int physical,
                        boolean discard) {
        this.path = path;
        this.fd = fd;
        this.device = device;
        this.readOnly = readOnly;
        this.direct = direct;
        this.logical = logical;
        this.physical = physical;
        this.discard = discard;
    }

    public static FileBackend open(BlockOptions o) {
        Path p = Path.of(o.path());
        int mode;
        try {
            mode = (Integer) Files.getAttribute(p, "unix:mode");
        } catch (IOException | UnsupportedOperationException e) {
            throw new ConfigException("Could not open backing file: " + o.path() + ": " + (e instanceof java.nio.file.NoSuchFileException
                    ? "No such file or directory" : e.getMessage()));
        }
        boolean dev = (mode & S_IFMT) == S_IFBLK;
        if (!dev && (mode & S_IFMT) != S_IFREG) throw new ConfigException(o.path() + " is neither a regular file nor a block device");
        int extra = (o.noCache() ? Libc.O_DIRECT : 0) | (o.sync() ? Libc.O_SYNC : 0);
        boolean ro = o.readOnly();
        int fd;
        try {
            fd = Libc.open(o.path(), (ro ? Libc.O_RDONLY : Libc.O_RDWR) | extra, 0);
        } catch (SysException e) {
            if (ro) throw new ConfigException("Could not open backing file: " + o.path() + ": " + e.getMessage());
            try {
                fd = Libc.open(o.path(), Libc.O_RDONLY | extra, 0);
            } catch (SysException e2) {
                throw new ConfigException("Could not open backing file: " + o.path() + ": " + e2.getMessage());
            }
            ro = true;
            log().log(System.Logger.Level.WARNING, "{0}: opened read-only ({1})", o.path(), e.getMessage());
        }
        try {
            int devLogical = dev ? FileIo.blockDeviceSectorSize(fd, false) : 512;
            int devPhysical = dev ? FileIo.blockDeviceSectorSize(fd, true) : 4096;
            int l = o.logicalSector() != 0 ? o.logicalSector() : devLogical;
            int ph = o.physicalSector() != 0 ? o.physicalSector() : Math.max(l, devPhysical);
            if (dev && (l < devLogical || l % devLogical != 0)) {
                throw new ConfigException("Invalid sector size " + l + " for " + o.path() + " (device sectors are " + devLogical + ")");
            }
            return new FileBackend(o.path(), fd, dev, ro, o.noCache(), l, ph, !o.noDelete() && !ro);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    public String path() { return path; }

    public boolean isDevice() { return device; }

    @Override
    public long size() {
        return device ? FileIo.blockDeviceSize(fd) : FileIo.lseek(fd, 0, FileIo.SEEK_END);
    }

    @Override public boolean readOnly() { return readOnly; }

    @Override public int logicalSectorSize() { return logical; }

    @Override public int physicalSectorSize() { return physical; }

    @Override public boolean canDiscard() { return discard; }

    /** Buffered writes to a regular file: each takes the inode lock (O_DIRECT and devices can overlap). */
    @Override public boolean writesSerialize() { return !direct && !device; }

    private boolean aligned(long offset, List<MemorySegment> buffers) {
        if (!direct) return true;
        if (offset % 512 != 0) return false;
        for (MemorySegment b : buffers) {
            if (b.address() % 512 != 0 || b.byteSize() % 512 != 0) return false;
        }
        return true;
    }

    private static long total(List<MemorySegment> buffers) {
        long n = 0;
        for (MemorySegment b : buffers) n += b.byteSize();
        return n;
    }

    @Override
    public int read(long offset, List<MemorySegment> buffers) {
        if (!aligned(offset, buffers)) {
            try (Arena a = Arena.ofConfined()) {
                long n = total(buffers);
                MemorySegment bounce = a.allocate((n + 511) & ~511L, BOUNCE_ALIGN);
                int rc = readFully(offset, List.of(bounce));
                if (rc < 0) return rc;
                long at = 0;
                for (MemorySegment b : buffers) {
                    MemorySegment.copy(bounce, at, b, 0, b.byteSize());
                    at += b.byteSize();
                }
                return 0;
            }
        }
        return readFully(offset, buffers);
    }

    /**
     * preadv2 with RWF_NOWAIT: the page cache's data, or -EAGAIN if any of it would wait, ends
     * short (the end of the file) or fails. Not with O_DIRECT (every read waits for the device);
     * switched off for good when the kernel or file system refuses the flag.
     */
    @Override
    public int readCached(long offset, List<MemorySegment> buffers) {
        if (direct || !nowaitReads) return -EAGAIN;
        long n = FileIo.transfer(false, fd, buffers, offset, FileIo.RWF_NOWAIT);
        if (n == -Libc.ENOSYS || n == -FileIo.EOPNOTSUPP || n == -Libc.EINVAL) {
            nowaitReads = false;
            return -EAGAIN;
        }
        return n == total(buffers) ? 0 : -EAGAIN;
    }

    /** Reads all of the buffers; what lies past the end of the file reads as zeros. */
    private int readFully(long offset, List<MemorySegment> buffers) {
        long n = FileIo.transfer(false, fd, buffers, offset, 0);
        if (n < 0) return (int) n;
        for (MemorySegment b : buffers) {
            if (n < b.byteSize()) b.asSlice(n).fill((byte) 0);
            n = Math.max(0, n - b.byteSize());
        }
        return 0;
    }

    @Override
    public int write(long offset, List<MemorySegment> buffers) {
        if (readOnly) return -Libc.EBADF;
        if (!aligned(offset, buffers)) {
            try (Arena a = Arena.ofConfined()) {
                long n = total(buffers);
                MemorySegment bounce = a.allocate(n, BOUNCE_ALIGN);
                long at = 0;
                for (MemorySegment b : buffers) {
                    MemorySegment.copy(b, 0, bounce, at, b.byteSize());
                    at += b.byteSize();
                }
                return writeFully(offset, List.of(bounce));
            }
        }
        return writeFully(offset, buffers);
    }

    private int writeFully(long offset, List<MemorySegment> buffers) {
        long n = FileIo.transfer(true, fd, buffers, offset, 0);
        return n < 0 ? (int) n : 0;
    }

    @Override
    public int flush() {
        return readOnly ? 0 : FileIo.fdatasync(fd);
    }

    @Override
    public int discard(long offset, long length) {
        if (!discard) return -FileIo.EOPNOTSUPP;
        int rc = device ? FileIo.blockRange(fd, FileIo.BLKDISCARD, offset, length)
                : FileIo.fallocate(fd, FileIo.FALLOC_FL_PUNCH_HOLE | FileIo.FALLOC_FL_KEEP_SIZE, offset, length);
        if (rc == -FileIo.EOPNOTSUPP) {
            discard = false;   // the file system cannot: stop offering it to new drivers
            log().log(System.Logger.Level.INFO, "{0}: discard not supported by the host, ignored from now on", path);
        }
        return rc;
    }

    @Override
    public int writeZeroes(long offset, long length, boolean unmap) {
        if (readOnly) return -Libc.EBADF;
        if (device) {
            int rc = FileIo.blockRange(fd, unmap && discard ? FileIo.BLKDISCARD : FileIo.BLKZEROOUT, offset, length);
            // BLKDISCARD does not promise zeros on every device: zero-out after it
            if (rc == 0 && unmap && discard) rc = FileIo.blockRange(fd, FileIo.BLKZEROOUT, offset, length);
            if (rc == 0) return 0;
        } else {
            if (unmap && discard) {
                int rc = FileIo.fallocate(fd, FileIo.FALLOC_FL_PUNCH_HOLE | FileIo.FALLOC_FL_KEEP_SIZE, offset, length);
                if (rc == 0) return 0;
            }
            if (zeroRange) {
                int rc = FileIo.fallocate(fd, FileIo.FALLOC_FL_ZERO_RANGE, offset, length);
                if (rc == 0) return 0;
                if (rc == -FileIo.EOPNOTSUPP) zeroRange = false;
            }
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment zeros = a.allocate(Math.min(length, ZERO_CHUNK), BOUNCE_ALIGN);
            long done = 0;
            while (done < length) {
                long n = Math.min(length - done, zeros.byteSize());
                int rc = writeFully(offset + done, List.of(zeros.asSlice(0, n)));
                if (rc < 0) return rc;
                done += n;
            }
            return 0;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Libc.close(fd);
    }

    @Override
    public String toString() { return path + (readOnly ? " (read-only)" : ""); }
}
