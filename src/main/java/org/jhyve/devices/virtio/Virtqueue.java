package org.jhyve.devices.virtio;

import org.jhyve.vm.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * A split virtqueue (virtio 1.2 §2.7) in guest memory, seen from the device. Everything the
 * guest wrote is distrusted: ring addresses, the available index, every descriptor (address in
 * RAM, non-zero length, chain length, loops, readable-before-writable order, indirect tables).
 * A violation throws {@link VirtioException}; the transport then marks the device NEEDS_RESET.
 * Supports indirect descriptors and EVENT_IDX. Methods are synchronized: a queue is filled by
 * one device thread but completions may come from I/O threads.
 */
public final class Virtqueue {
    public static final int DESC_F_NEXT = 1, DESC_F_WRITE = 2, DESC_F_INDIRECT = 4;
    public static final int AVAIL_F_NO_INTERRUPT = 1, USED_F_NO_NOTIFY = 1;
    /** The most descriptors one indirect table may hold (QEMU and Linux stay far below). */
    public static final int MAX_INDIRECT = 1024;
    /** A chain's total length must fit the used ring's 32-bit length with room to spare. */
    public static final long MAX_CHAIN_BYTES = 0x7FFF_FFFFL;

    private final GuestMemory memory;
    private final int index;
    private final int maxSize;

    private int size;
    private long descAddr, availAddr, usedAddr;
    private boolean indirect, eventIdx;

    private boolean active;
    private MemorySegment desc, avail, used;
    private int lastAvail, usedIdx, signalledUsed;
    /** The device is serving the queue and needs no notifications (see {@link #disableNotifications}). */
    private boolean quiet;

    public Virtqueue(GuestMemory memory, int index, int maxSize) {
        if (maxSize < 1 || maxSize > 32768 || Integer.bitCount(maxSize) != 1) {
            throw new IllegalArgumentException("queue size " + maxSize + " is not a power of two in 1..32768");
        }
        this.memory = memory;
        this.index = index;
        this.maxSize = maxSize;
        this.size = maxSize;
    }

    public int index() { return index; }

    public int maxSize() { return maxSize; }

    public synchronized int size() { return size; }

    public synchronized void setSize(int size) { this.size = size; }

    public synchronized long descAddr() { return descAddr; }

    public synchronized long availAddr() { return availAddr; }

    public synchronized long usedAddr() { return usedAddr; }

    public synchronized void setAddresses(long desc, long avail, long used) {
        this.descAddr = desc;
        this.availAddr = avail;
        this.usedAddr = used;
    }

    /** The legacy layout: everything from one page frame, used ring aligned to 4096 bytes. */
    public synchronized void setLegacyPfn(long pfn) {
        long base = pfn << 12;
        long availEnd = base + 16L * size + 6 + 2L * size;
        setAddresses(base, base + 16L * size, (availEnd + 4095) & ~4095L);
    }

    public synchronized void setFeatures(boolean indirect, boolean eventIdx) {
        this.indirect = indirect;
        this.eventIdx = eventIdx;
    }

    public synchronized boolean active() { return active; }

    /** Validates the ring placement and starts using the rings (queue_enable / PFN written). */
    public synchronized void activate() {
        if (size < 1 || size > maxSize || Integer.bitCount(size) != 1) {
            throw new VirtioException("queue " + index + ": size " + size + " is not a power of two in 1.." + maxSize);
        }
        if ((descAddr & 15) != 0 || (availAddr & 1) != 0 || (usedAddr & 3) != 0) {
            throw new VirtioException(String.format("queue %d: misaligned rings desc=0x%x avail=0x%x used=0x%x",
                    index, descAddr, availAddr, usedAddr));
        }
        desc = ring("descriptor table", descAddr, 16L * size);
        avail = ring("available ring", availAddr, 6 + 2L * size);
        used = ring("used ring", usedAddr, 6 + 8L * size);
        lastAvail = 0;
        quiet = false;
        usedIdx = used.get(JAVA_SHORT_UNALIGNED, 2) & 0xFFFF;
        signalledUsed = usedIdx;
        active = true;
    }

    private MemorySegment ring(String what, long gpa, long len) {
        if (!memory.isRam(gpa, len)) {
            throw new VirtioException(String.format("queue %d: %s at 0x%x+0x%x is outside guest RAM", index, what, gpa, len));
        }
        return memory.slice(gpa, len);
    }

    /** Back to the reset state (size = maximum, no addresses, inactive). */
    public synchronized void reset() {
        active = false;
        size = maxSize;
        descAddr = availAddr = usedAddr = 0;
        indirect = eventIdx = false;
        desc = avail = used = null;
        lastAvail = usedIdx = signalledUsed = 0;
        quiet = false;
    }

    /**
     * Tells the driver it need not notify: the device is serving the queue and will look at the
     * avail index again before it sleeps (virtio 1.2 §2.7.10: VRING_USED_F_NO_NOTIFY, or with
     * EVENT_IDX an avail_event left behind). Each notification is a VM exit for the driver's
     * vCPU, so a driver that adds buffers while the device works saves them, as with QEMU,
     * which does the same around its queue handlers. Returns the avail index (-1: inactive).
     */
    public synchronized int disableNotifications() {
        if (!active) return -1;
        quiet = true;
        if (!eventIdx) used.set(JAVA_SHORT_UNALIGNED, 0, (short) USED_F_NO_NOTIFY);
        return avail.get(JAVA_SHORT_UNALIGNED, 2) & 0xFFFF;
    }

    /**
     * Asks for notifications again (avail_event at the next buffer, or the flag cleared), then
     * reads the avail index after a full fence: buffers the driver added while notifications were
     * off came without one, so a caller that sees the index moved must serve the queue again.
     * Returns the avail index (-1: inactive).
     */
    public synchronized int enableNotifications() {
        if (!active) return -1;
        quiet = false;
        if (eventIdx) used.set(JAVA_SHORT_UNALIGNED, 4 + 8L * size, (short) lastAvail);
        else used.set(JAVA_SHORT_UNALIGNED, 0, (short) 0);
        VarHandle.fullFence();   // the driver checks after its avail index store; we read after ours
        return avail.get(JAVA_SHORT_UNALIGNED, 2) & 0xFFFF;
    }

    /** Whether the driver has made buffers available that were not taken yet. */
    public synchronized boolean hasAvailable() {
        if (!active) return false;
        int availIdx = avail.get(JAVA_SHORT_UNALIGNED, 2) & 0xFFFF;
        return availIdx != lastAvail;
    }

    /** The driver's avail index as it stands (-1 while the queue is not active). */
    public synchronized int availIdx() {
        return active ? avail.get(JAVA_SHORT_UNALIGNED, 2) & 0xFFFF : -1;
    }

    /** The next available chain, validated; null when none is available. */
    public synchronized Chain pop() {
        if (!active) return null;
        int availIdx = avail.get(JAVA_SHORT_UNALIGNED, 2) & 0xFFFF;
        VarHandle.acquireFence();
        int pending = (availIdx - lastAvail) & 0xFFFF;
        if (pending == 0) return null;
        if (pending > size) {
            throw new VirtioException(String.format("queue %d: available index %d is %d entries ahead of %d (queue size %d)",
                    index, availIdx, pending, lastAvail, size));
        }
        int head = avail.get(JAVA_SHORT_UNALIGNED, 4 + 2L * (lastAvail & (size - 1))) & 0xFFFF;
        if (head >= size) throw new VirtioException("queue " + index + ": head descriptor " + head + " >= queue size " + size);
        Chain c = walk(head);
        lastAvail = (lastAvail + 1) & 0xFFFF;
        if (eventIdx && !quiet) {
            used.set(JAVA_SHORT_UNALIGNED, 4 + 8L * size, (short) lastAvail);
        }
        return c;
    }

    private Chain walk(int head) {
        // most chains have one or two buffers (a frame, a header and its data): those are kept in
        // locals and wrapped once, without a growing list per chain
        Chain.Buffer first = null, second = null;
        List<Chain.Buffer> more = null;
        MemorySegment table = desc;
        int tableLen = size;
        boolean inIndirect = false;
        long readable = 0, writable = 0;
        int count = 0;
        int i = head;
        while (true) {
            if (++count > tableLen) {
                throw new VirtioException(String.format("queue %d: chain from head %d is longer than its %s of %d (a loop?)",
                        index, head, inIndirect ? "indirect table" : "queue", tableLen));
            }
            long base = 16L * i;
            long addr = table.get(JAVA_LONG_UNALIGNED, base);
            long len = table.get(JAVA_INT_UNALIGNED, base + 8) & 0xFFFF_FFFFL;
            int flags = table.get(JAVA_SHORT_UNALIGNED, base + 12) & 0xFFFF;
            int next = table.get(JAVA_SHORT_UNALIGNED, base + 14) & 0xFFFF;
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (!indirect) throw new VirtioException("queue " + index + ": indirect descriptor without the INDIRECT_DESC feature");
                if (inIndirect) throw new VirtioException("queue " + index + ": indirect descriptor inside an indirect table");
                if (count != 1) throw new VirtioException("queue " + index + ": indirect descriptor is not the head of its chain");
                if ((flags & DESC_F_NEXT) != 0) throw new VirtioException("queue " + index + ": indirect descriptor with NEXT set");
                if (len == 0 || len % 16 != 0 || len / 16 > MAX_INDIRECT) {
                    throw new VirtioException("queue " + index + ": indirect table length " + len
                            + " is not a non-zero multiple of 16 up to " + 16 * MAX_INDIRECT);
                }
                if (!memory.isRam(addr, len)) {
                    throw new VirtioException(String.format("queue %d: indirect table at 0x%x+0x%x is outside guest RAM", index, addr, len));
                }
                table = memory.slice(addr, len);
                tableLen = (int) (len / 16);
                inIndirect = true;
                count = 0;
                i = 0;
                continue;
            }
            if (len == 0) throw new VirtioException("queue " + index + ": descriptor " + i + " has length 0");
            MemorySegment host = memory.sliceIfRam(addr, len);
            if (host == null) {
                throw new VirtioException(String.format("queue %d: descriptor %d buffer 0x%x+0x%x is outside guest RAM", index, i, addr, len));
            }
            boolean w = (flags & DESC_F_WRITE) != 0;
            if (!w && writable > 0) {
                throw new VirtioException("queue " + index + ": device-readable descriptor " + i + " after a writable one");
            }
            if (w) writable += len; else readable += len;
            if (readable + writable > MAX_CHAIN_BYTES) {
                throw new VirtioException("queue " + index + ": chain from head " + head + " is longer than " + MAX_CHAIN_BYTES + " bytes");
            }
            Chain.Buffer b = new Chain.Buffer(addr, host, w);
            if (first == null) {
                first = b;
            } else if (second == null) {
                second = b;
            } else {
                if (more == null) {
                    more = new ArrayList<>();
                    more.add(first);
                    more.add(second);
                }
                more.add(b);
            }
            if ((flags & DESC_F_NEXT) == 0) break;
            if (next >= tableLen) {
                throw new VirtioException("queue " + index + ": descriptor " + i + " points to " + next + " beyond " + tableLen);
            }
            i = next;
        }
        List<Chain.Buffer> buffers = more != null ? List.copyOf(more) : second != null ? List.of(first, second) : List.of(first);
        return new Chain(head, buffers, readable, writable);
    }

    /** Returns a chain to the driver with the number of bytes written into it. */
    public synchronized void push(int head, long written) {
        if (!active) return;   // reset while the request was in flight: the ring is gone
        int slot = usedIdx & (size - 1);
        used.set(JAVA_INT_UNALIGNED, 4 + 8L * slot, head);
        used.set(JAVA_INT_UNALIGNED, 8 + 8L * slot, (int) written);
        usedIdx = (usedIdx + 1) & 0xFFFF;
        VarHandle.releaseFence();
        used.set(JAVA_SHORT_UNALIGNED, 2, (short) usedIdx);
    }

    /**
     * Whether the driver wants an interrupt for what was pushed since the last call: with
     * EVENT_IDX when used_event was crossed, otherwise unless it set NO_INTERRUPT.
     */
    public synchronized boolean needsInterrupt() {
        if (!active || usedIdx == signalledUsed) return false;
        VarHandle.fullFence();
        int old = signalledUsed;
        signalledUsed = usedIdx;
        if (eventIdx) {
            int event = avail.get(JAVA_SHORT_UNALIGNED, 4 + 2L * size) & 0xFFFF;
            return ((usedIdx - event - 1) & 0xFFFF) < ((usedIdx - old) & 0xFFFF);
        }
        return (avail.get(JAVA_SHORT_UNALIGNED, 0) & AVAIL_F_NO_INTERRUPT) == 0;
    }

    @Override
    public synchronized String toString() {
        return String.format("virtqueue %d size %d desc 0x%x avail 0x%x used 0x%x%s", index, size, descAddr, availAddr,
                usedAddr, active ? " active" : "");
    }
}
