package org.jhyve.bus;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An address space (port I/O or MMIO) that dispatches accesses by range, as Firecracker's and
 * crosvm's buses do. Ranges never overlap. Registration is rare (start-up, BAR moves) and
 * lookups are on every exit, so lookups read an immutable snapshot without locking.
 */
public final class Bus {
    /** One registered range. */
    public record Range(long base, long length, IoDevice device, String name) {
        public long end() { return base + length; }
        boolean contains(long addr) { return Long.compareUnsigned(addr - base, length) < 0; }
    }

    /** What happens to accesses nobody claims. */
    public interface Unclaimed {
        long read(long addr, int size);
        void write(long addr, int size, long value);
    }

    private final String name;
    /** The ranges by base, changed only under this bus's lock; lookups read {@link #snapshot}. */
    private final TreeMap<Long, Range> byBase = new TreeMap<>();
    private volatile Snapshot snapshot = new Snapshot(new long[0], new Range[0]);
    private volatile Unclaimed unclaimed;

    /**
     * The ranges as two sorted arrays, replaced whole on every change. A lookup is a binary
     * search over plain longs: no boxing of the address and no map entries, which matters for
     * the first exits of a start (run by the interpreter) as much as for compiled code.
     */
    private record Snapshot(long[] bases, Range[] ranges) {}

    public Bus(String name, Unclaimed unclaimed) {
        this.name = name;
        this.unclaimed = unclaimed;
    }

    public String name() { return name; }

    public void setUnclaimed(Unclaimed u) { this.unclaimed = u; }

    public synchronized void register(long base, long length, IoDevice device, String what) {
        if (length <= 0) throw new IllegalArgumentException(name + ": empty range for " + what);
        Range r = new Range(base, length, device, what);
        Map.Entry<Long, Range> below = byBase.floorEntry(base + length - 1);
        if (below != null && below.getValue().end() > base) {
            throw new IllegalStateException(String.format("%s: %s at 0x%x+0x%x overlaps %s at 0x%x+0x%x",
                    name, what, base, length, below.getValue().name(), below.getKey(), below.getValue().length()));
        }
        byBase.put(base, r);
        publish();
    }

    /** Removes the range that starts at base (used when a guest moves a BAR). */
    public synchronized boolean unregister(long base, IoDevice device) {
        Range r = byBase.get(base);
        if (r == null || r.device() != device) return false;
        byBase.remove(base);
        publish();
        return true;
    }

    private void publish() {
        Range[] ranges = byBase.values().toArray(new Range[0]);
        long[] bases = new long[ranges.length];
        for (int i = 0; i < ranges.length; i++) bases[i] = ranges[i].base();
        snapshot = new Snapshot(bases, ranges);
    }

    /** The range holding addr, or null. */
    public Range find(long addr) {
        Snapshot s = snapshot;
        long[] bases = s.bases();
        int lo = 0, hi = bases.length - 1, at = -1;
        while (lo <= hi) {   // the last base at or below addr
            int mid = (lo + hi) >>> 1;
            if (bases[mid] <= addr) {
                at = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (at < 0) return null;
        Range r = s.ranges()[at];
        return r.contains(addr) ? r : null;
    }

    public long read(long addr, int size) {
        Range r = find(addr);
        if (r == null) return unclaimed.read(addr, size);
        return r.device().read(addr - r.base(), size);
    }

    public void write(long addr, int size, long value) {
        Range r = find(addr);
        if (r == null) { unclaimed.write(addr, size, value); return; }
        r.device().write(addr - r.base(), size, value);
    }

    /** A snapshot of the ranges, lowest first, for diagnostics and tests. */
    public Iterable<Range> ranges() { return List.of(snapshot.ranges()); }
}
