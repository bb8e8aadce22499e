package org.jhyve.vm;

import org.jhyve.sys.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Guest RAM laid out as bhyve does: [0, lowmem) with lowmem at most 3 GiB, and the rest from
 * 4 GiB. Backed by one shared-memory file (a memfd, or a named file that a VM home refers to)
 * mapped once with MAP_SHARED, so a loader process and the VMM see the same RAM. Every guest-controlled address goes through
 * {@link #slice}, which refuses anything not wholly inside RAM.
 */
public final class GuestMemory implements AutoCloseable {
    public static final long LOWMEM_LIMIT = 0xC000_0000L;
    public static final long HIGHMEM_BASE = 0x1_0000_0000L;

    private final long size;
    private final long lowSize;
    private final long highSize;
    private final int fd;                 // a memfd we mapped, or -1
    private final MemorySegment map;
    private final FileChannel channel;    // a named file the JDK mapped in arena, or null
    private final Arena arena;

    private GuestMemory(long size, int fd, MemorySegment map) {
        this(size, fd, map, null, null);
    }

    private GuestMemory(long size, int fd, MemorySegment map, FileChannel channel, Arena arena) {
        this.size = size;
        this.lowSize = Math.min(size, LOWMEM_LIMIT);
        this.highSize = size - lowSize;
        this.fd = fd;
        this.map = map;
        this.channel = channel;
        this.arena = arena;
    }

    /** Anonymous shared memory of the given size. */
    public static GuestMemory create(String name, long size) {
        if (size < 1 << 20) throw new IllegalArgumentException("guest memory of " + size + " bytes is below 1 MiB");
        if ((size & 0xFFF) != 0) throw new IllegalArgumentException("guest memory size " + size + " is not page aligned");
        int fd = Libc.memfdCreate("jhyve-ram-" + name);
        try {
            Libc.ftruncate(fd, size);
            MemorySegment m = Libc.mmap(size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_NORESERVE,
                    fd, 0, "guest RAM");
            return new GuestMemory(size, fd, m);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * RAM on a named file (a VM home's memory in /run/jhyve/ram or /dev/shm): created with the
     * given size when {@code create} is set, otherwise opened and checked to have exactly that
     * size. The JDK opens and maps it (FileChannel, MAP_SHARED) with its own native code, so a
     * start creates RAM and loads the kernel into it while jhyve's system-call downcall is still
     * being linked (3-11 ms of a trivial guest's start here, BENCHMARKS.md session 10). Without
     * MAP_NORESERVE, which changes nothing for a shared mapping of a tmpfs file: its pages are
     * charged to the file system's size as they are touched.
     */
    public static GuestMemory file(Path path, long size, boolean create) {
        if (size < 1 << 20) throw new IllegalArgumentException("guest memory of " + size + " bytes is below 1 MiB");
        if ((size & 0xFFF) != 0) throw new IllegalArgumentException("guest memory size " + size + " is not page aligned");
        FileChannel ch;
        try {
            ch = create ? FileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                            StandardOpenOption.WRITE), OWNER_ONLY)   // the guest's RAM: 0600, whatever the umask
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot " + (create ? "create" : "open") + " guest memory file " + path + ": " + reason(e));
        }
        Arena arena = Arena.ofShared();
        try {
            // A new file is grown by map itself (ftruncate: holes, no page allocated).
            if (!create && ch.size() != size) {
                throw new IllegalStateException("guest memory file " + path + " holds " + ch.size() + " bytes, expected " + size);
            }
            MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            // Accessed as the memfd's mapping is, without the arena's liveness check on every
            // guest memory access; the arena only unmaps it at close.
            return new GuestMemory(size, -1, MemorySegment.ofAddress(m.address()).reinterpret(size), ch, arena);
        } catch (IOException e) {
            unmap(arena, ch);
            throw new IllegalStateException("cannot map guest memory file " + path + ": " + reason(e));
        } catch (RuntimeException e) {
            unmap(arena, ch);
            throw e;
        }
    }

    /** Unmaps a named file's RAM and closes the file (nothing is written through the channel: nothing to lose). */
    private static void unmap(Arena arena, FileChannel ch) {
        arena.close();
        try {
            ch.close();
        } catch (IOException ignored) {
            // the pages live in the file and the mapping is gone; a failed close loses nothing
        }
    }

    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.FileAlreadyExistsException) return "it exists already";
        if (e instanceof java.nio.file.NoSuchFileException) return "No such file or directory";
        if (e instanceof java.nio.file.AccessDeniedException) return "Permission denied";
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** Wraps an existing mapping (tests use heap-free fake memory this way). */
    public static GuestMemory wrap(MemorySegment map) {
        return new GuestMemory(map.byteSize(), -1, map);
    }

    public long size() { return size; }

    public long lowSize() { return lowSize; }

    public long highSize() { return highSize; }

    /** The host mapping of low RAM (guest physical 0). */
    public MemorySegment lowSegment() { return map.asSlice(0, lowSize); }

    /** The host mapping of high RAM (guest physical 4 GiB), empty when there is none. */
    public MemorySegment highSegment() { return map.asSlice(lowSize, highSize); }

    /** Offset of a guest physical range in the mapping, or -1 when it is not wholly RAM. */
    private long offsetOf(long gpa, long len) {
        if (len < 0) return -1;
        if (Long.compareUnsigned(gpa, lowSize) < 0) {
            return Long.compareUnsigned(len, lowSize - gpa) <= 0 ? gpa : -1;
        }
        long h = gpa - HIGHMEM_BASE;
        if (gpa >= HIGHMEM_BASE && Long.compareUnsigned(h, highSize) < 0 && Long.compareUnsigned(len, highSize - h) <= 0) {
            return lowSize + h;
        }
        return -1;
    }

    public boolean isRam(long gpa, long len) { return offsetOf(gpa, len) >= 0; }

    /** The host view of [gpa, gpa+len); throws GuestMemoryException unless it is all RAM. */
    public MemorySegment slice(long gpa, long len) {
        long off = offsetOf(gpa, len);
        if (off < 0) throw new GuestMemoryException(gpa, len);
        return map.asSlice(off, len);
    }

    /** The host view of [gpa, gpa+len), or null unless it is all RAM: one lookup where a caller checks first. */
    public MemorySegment sliceIfRam(long gpa, long len) {
        long off = offsetOf(gpa, len);
        return off < 0 ? null : map.asSlice(off, len);
    }

    public void write(long gpa, byte[] data) {
        MemorySegment.copy(data, 0, slice(gpa, data.length), ValueLayout.JAVA_BYTE, 0, data.length);
    }

    public byte[] read(long gpa, int len) {
        return slice(gpa, len).toArray(ValueLayout.JAVA_BYTE);
    }

    public long readLong(long gpa) { return slice(gpa, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0); }

    public int readInt(long gpa) { return slice(gpa, 4).get(ValueLayout.JAVA_INT_UNALIGNED, 0); }

    public void writeLong(long gpa, long v) { slice(gpa, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, v); }

    public void writeInt(long gpa, int v) { slice(gpa, 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, v); }

    public void writeShort(long gpa, short v) { slice(gpa, 2).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, v); }

    public void writeByte(long gpa, byte v) { slice(gpa, 1).set(ValueLayout.JAVA_BYTE, 0, v); }

    /** Advises the kernel; failures are not fatal (e.g. MADV_DONTDUMP on an old kernel). */
    public void advise(int advice) {
        if (fd >= 0 || channel != null) Libc.madvise(map, advice);
    }

    public void lock() { Libc.mlock(map); }

    @Override
    public void close() {
        if (channel != null) {
            if (arena.scope().isAlive()) unmap(arena, channel);   // not when closed already
        } else if (fd >= 0) {
            Libc.munmap(map);
            Libc.close(fd);
        }
    }

    /** A guest-supplied address that is not RAM. */
    public static final class GuestMemoryException extends RuntimeException {
        public GuestMemoryException(long gpa, long len) {
            super(String.format("guest physical range 0x%x+0x%x is not RAM", gpa, len));
        }
    }
}
