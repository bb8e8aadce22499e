package org.jhyve.bus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusTest {
    /** Answers reads with its tag plus the offset, and records writes as "tag:offset=value". */
    private record Dev(long tag, List<String> log) implements IoDevice {
        @Override public long read(long offset, int size) { return tag + offset; }
        @Override public void write(long offset, int size, long value) { log.add(tag + ":" + offset + "=" + value); }
    }

    private final List<String> log = new ArrayList<>();
    private final List<String> unclaimed = new ArrayList<>();
    private final Bus bus = new Bus("pio", new Bus.Unclaimed() {
        @Override public long read(long addr, int size) { unclaimed.add("r" + Long.toHexString(addr)); return -1; }
        @Override public void write(long addr, int size, long value) { unclaimed.add("w" + Long.toHexString(addr)); }
    });

    @Test
    void dispatchesByRangeWithOffsetsAndEdges() {
        Dev uart = new Dev(1000, log), pm = new Dev(2000, log), cf8 = new Dev(3000, log);
        bus.register(0x3f8, 8, uart, "com1");
        bus.register(0xcf8, 4, cf8, "pci");
        bus.register(0x400, 8, pm, "pm");   // out of order: the lookup must not depend on it
        assertEquals(1000, bus.read(0x3f8, 1));
        assertEquals(1007, bus.read(0x3ff, 1));
        assertEquals(2005, bus.read(0x405, 2));
        assertEquals(3003, bus.read(0xcfb, 1));
        bus.write(0x3f9, 1, 0x5a);
        assertEquals(List.of("1000:1=90"), log);
        // just outside each range, below the first and above the last
        assertEquals(-1, bus.read(0x3f7, 1));
        assertEquals(-1, bus.read(0x400 + 8, 1));
        assertEquals(-1, bus.read(0, 1));
        assertEquals(-1, bus.read(0xffff, 4));
        bus.write(0xcfc, 4, 1);
        assertEquals(List.of("r3f7", "r408", "r0", "rffff", "wcfc"), unclaimed);
        assertNull(bus.find(0x3f7));
        assertSame(pm, bus.find(0x407).device());
    }

    @Test
    void emptyBusFindsNothing() {
        assertNull(bus.find(0));
        assertNull(bus.find(-1));
        assertFalse(bus.ranges().iterator().hasNext());
    }

    @Test
    void refusesOverlapsOnEitherSide() {
        bus.register(0x100, 0x10, new Dev(1, log), "a");
        var below = assertThrows(IllegalStateException.class, () -> bus.register(0xf8, 0x9, new Dev(2, log), "b"));
        assertTrue(below.getMessage().contains("b at 0xf8+0x9 overlaps a at 0x100+0x10"), below.getMessage());
        assertThrows(IllegalStateException.class, () -> bus.register(0x10f, 1, new Dev(3, log), "c"));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x200, 0, new Dev(4, log), "empty"));
        bus.register(0xf0, 0x10, new Dev(5, log), "touching below");
        bus.register(0x110, 0x10, new Dev(6, log), "touching above");
        List<Long> bases = new ArrayList<>();
        for (Bus.Range r : bus.ranges()) bases.add(r.base());
        assertEquals(List.of(0xf0L, 0x100L, 0x110L), bases);
    }

    @Test
    void unregisterOnlyRemovesThatDevicesRange() {
        Dev a = new Dev(1, log), b = new Dev(2, log);
        bus.register(0x100, 0x10, a, "a");
        assertFalse(bus.unregister(0x100, b));
        assertFalse(bus.unregister(0x101, a));
        assertSame(a, bus.find(0x105).device());
        assertTrue(bus.unregister(0x100, a));
        assertNull(bus.find(0x105));
        bus.register(0x108, 0x10, b, "b moved into the freed space");
        assertSame(b, bus.find(0x117).device());
    }

    @Test
    void highMmioAddresses() {
        Dev bar = new Dev(7, log);
        bus.register(0xfe00_0000_0000L, 0x4000, bar, "64-bit bar");
        bus.register(0xc000_0000L, 0x1000, new Dev(8, log), "32-bit bar");
        assertSame(bar, bus.find(0xfe00_0000_3fffL).device());
        assertNull(bus.find(0xfe00_0000_4000L));
        assertEquals(7 + 0x10, bus.read(0xfe00_0000_0010L, 4));
    }
}
