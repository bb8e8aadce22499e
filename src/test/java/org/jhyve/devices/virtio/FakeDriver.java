package org.jhyve.devices.virtio;

import org.jhyve.vm.GuestMemory;

import java.lang.foreign.Arena;

/**
 * A virtio driver's side of one split queue in fake guest memory: it writes descriptors and the
 * available ring exactly as a guest would (or as a hostile guest would, through {@link #desc}
 * and {@link #setAvailIdx}), and reads the used ring.
 */
final class FakeDriver {
    static final long RAM = 4 << 20;

    final GuestMemory mem;
    final int size;
    final long desc, avail, used;
    int nextDesc;
    int availIdx;
    long dataTop = 0x100000;   // buffers are carved from 1 MiB up

    FakeDriver(GuestMemory mem, int size, long desc, long avail, long used) {
        this.mem = mem;
        this.size = size;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
    }

    static GuestMemory memory(Arena arena) {
        return GuestMemory.wrap(arena.allocate(RAM, 4096));
    }

    /** The default layout: descriptors at 0x10000, avail at 0x20000, used at 0x30000. */
    static FakeDriver standard(GuestMemory mem, int size) {
        return new FakeDriver(mem, size, 0x10000, 0x20000, 0x30000);
    }

    void configure(Virtqueue q) {
        q.setSize(size);
        q.setAddresses(desc, avail, used);
    }

    /** Writes one raw descriptor. */
    void desc(int i, long addr, long len, int flags, int next) {
        descAt(desc, i, addr, len, flags, next);
    }

    void descAt(long table, int i, long addr, long len, int flags, int next) {
        long d = table + 16L * i;
        mem.writeLong(d, addr);
        mem.writeInt(d + 8, (int) len);
        mem.writeShort(d + 12, (short) flags);
        mem.writeShort(d + 14, (short) next);
    }

    /** A fresh buffer of len bytes in RAM filled with fill. */
    long buffer(int len, byte fill) {
        long a = dataTop;
        dataTop += (len + 15) & ~15;
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, fill);
        mem.write(a, b);
        return a;
    }

    long buffer(byte[] content) {
        long a = dataTop;
        dataTop += (content.length + 15) & ~15;
        mem.write(a, content);
        return a;
    }

    /** Publishes head in the available ring and bumps the index. */
    void publish(int head) {
        mem.writeShort(avail + 4 + 2L * (availIdx % size), (short) head);
        availIdx = (availIdx + 1) & 0xFFFF;
        mem.writeShort(avail + 2, (short) availIdx);
    }

    void setAvailIdx(int idx) { mem.writeShort(avail + 2, (short) idx); }

    void setAvailFlags(int flags) { mem.writeShort(avail, (short) flags); }

    void setUsedEvent(int v) { mem.writeShort(avail + 4 + 2L * size, (short) v); }

    int usedFlags() { return mem.read(used, 2)[0] & 0xFF | (mem.read(used, 2)[1] & 0xFF) << 8; }

    int availEvent() { return mem.read(used + 4 + 8L * size, 2)[0] & 0xFF | (mem.read(used + 4 + 8L * size, 2)[1] & 0xFF) << 8; }

    /**
     * Adds a chain of buffers: readable ones (content given) then writable ones (sizes given);
     * returns its head.
     */
    int chain(byte[][] readable, int... writable) {
        int n = readable.length + writable.length;
        int head = nextDesc;
        int k = 0;
        for (byte[] r : readable) {
            int i = (head + k) % size;
            desc(i, buffer(r), r.length, ++k < n ? Virtqueue.DESC_F_NEXT : 0, (i + 1) % size);
        }
        for (int w : writable) {
            int i = (head + k) % size;
            desc(i, buffer(w, (byte) 0xEE), w, Virtqueue.DESC_F_WRITE | (++k < n ? Virtqueue.DESC_F_NEXT : 0), (i + 1) % size);
        }
        nextDesc = (head + n) % size;
        publish(head);
        return head;
    }

    /** Adds the same chain through one indirect table placed in RAM. */
    int indirectChain(byte[][] readable, int... writable) {
        int n = readable.length + writable.length;
        long table = dataTop;
        dataTop += 16L * n + 16;
        int k = 0;
        for (byte[] r : readable) {
            descAt(table, k, buffer(r), r.length, k + 1 < n ? Virtqueue.DESC_F_NEXT : 0, k + 1);
            k++;
        }
        for (int w : writable) {
            descAt(table, k, buffer(w, (byte) 0xEE), w, Virtqueue.DESC_F_WRITE | (k + 1 < n ? Virtqueue.DESC_F_NEXT : 0), k + 1);
            k++;
        }
        int head = nextDesc;
        desc(head, table, 16L * n, Virtqueue.DESC_F_INDIRECT, 0);
        nextDesc = (head + 1) % size;
        publish(head);
        return head;
    }

    int usedIdx() { return Short.toUnsignedInt((short) (mem.read(used + 2, 2)[0] & 0xFF | mem.read(used + 2, 2)[1] << 8)); }

    /** Used element i: {id, len}. */
    int[] usedElem(int i) {
        long e = used + 4 + 8L * (i % size);
        return new int[] {mem.readInt(e), mem.readInt(e + 4)};
    }
}
