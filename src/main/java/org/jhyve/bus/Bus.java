package org.jhyve.bus;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

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
    private final AtomicReference<TreeMap<Long, Range>> ranges = new AtomicReference<>(new TreeMap<>());
    private volatile Unclaimed unclaimed;

    public Bus(String name, Unclaimed unclaimed) {
        this.name = name;
        this.unclaimed = unclaimed;
    }

    public String name() { return name; }

    public void setUnclaimed(Unclaimed u) { this.unclaimed = u; }

    public synchronized void register(long base, long length, IoDevice device, String what) {
        if (length <= 0) throw new IllegalArgumentException(name + ": empty range for " + what);
        TreeMap<Long, Range> next = new TreeMap<>(ranges.get());
        Range r = new Range(base, length, device, what);
        Map.Entry<Long, Range> below = next.floorEntry(base + length - 1);
        if (below != null && below.getValue().end() > base) {
            throw new IllegalStateException(String.format("%s: %s at 0x%x+0x%x overlaps %s at 0x%x+0x%x",
                    name, what, base, length, below.getValue().name(), below.getKey(), below.getValue().length()));
        }
        next.put(base, r);
        ranges.set(next);
    }

    /** Removes the range that starts at base (used when a guest moves a BAR). */
    public synchronized boolean unregister(long base, IoDevice device) {
        TreeMap<Long, Range> next = new TreeMap<>(ranges.get());
        Range r = next.get(base);
        if (r == null || r.device() != device) return false;
        next.remove(base);
        ranges.set(next);
        return true;
    }

    public Range find(long addr) {
        Map.Entry<Long, Range> e = ranges.get().floorEntry(addr);
        if (e == null || !e.getValue().contains(addr)) return null;
        return e.getValue();
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
    public Iterable<Range> ranges() { return ranges.get().values(); }
}
