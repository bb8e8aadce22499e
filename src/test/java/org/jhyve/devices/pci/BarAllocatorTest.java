package org.jhyve.devices.pci;

import org.jhyve.bus.Bus;
import org.jhyve.config.ConfigException;
import org.jhyve.devices.Fakes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BarAllocatorTest {
    private static final long GIB = 1L << 30, MIB = 1L << 20;
    private Bus pio, mmio;
    private PciRoot root;

    @BeforeEach
    void setUp() {
        pio = Fakes.bus("pio");
        mmio = Fakes.bus("mmio");
        root = new PciRoot(pio, mmio, new Fakes.Irqs());
    }

    private static long addr(PciDevice d, int index) {
        return d.bars().stream().filter(b -> b.index() == index).findFirst().orElseThrow().address();
    }

    @Test
    void largestFirstInEachWindowEqualSizesInDeviceOrder() {
        TestFunction a = new TestFunction("a").bar(0, BarKind.IO, 0x20).bar(1, BarKind.MEM32, 0x1000);
        TestFunction b = new TestFunction("b").bar(0, BarKind.IO, 0x100).bar(1, BarKind.MEM32, 0x4000)
                .bar(2, BarKind.MEM32, 0x1000);
        root.add(0, 2, 0, a);
        root.add(0, 3, 0, b);
        List<BusWindows> w = root.assignBars(0, false);
        assertEquals(0x2000, addr(b, 0), "largest I/O BAR first, at 0x2000");
        assertEquals(0x2100, addr(a, 0));
        assertEquals(0xC0000000L, addr(b, 1));
        assertEquals(0xC0004000L, addr(a, 1), "equal sizes: slot 2 before slot 3");
        assertEquals(0xC0005000L, addr(b, 2));
        BusWindows w0 = w.getFirst();
        assertEquals(0x2000, w0.ioBase());
        assertEquals(0x2140, w0.ioLimit(), "0x2120 plus 32 ports of slop, 32-aligned");
        assertEquals(0xC0000000L, w0.mem32Base());
        assertEquals(0xC0200000L, w0.mem32Limit(), "plus 1 MiB of slop, 1 MiB aligned");
    }

    @Test
    void barsAreAlignedToTheirSize() {
        TestFunction a = new TestFunction("a").bar(0, BarKind.MEM32, 0x1000).bar(1, BarKind.MEM32, 16);
        TestFunction b = new TestFunction("b").bar(0, BarKind.MEM32, 0x2000);
        root.add(0, 2, 0, a);
        root.add(0, 3, 0, b);
        root.assignBars(0, false);
        assertEquals(0xC0000000L, addr(b, 0));
        assertEquals(0xC0002000L, addr(a, 0));
        assertEquals(0xC0003000L, addr(a, 1));
        assertEquals(0xC0003000L, root.device(0, 2, 0).config().get32(PciConfigSpace.BAR0 + 4) & 0xFFFFFFF0L);
    }

    @Test
    void big64BitBarsGoAboveHighMemorySmallOnesBelow4G() {
        TestFunction big = new TestFunction("big").prefetchBar(0, 256 * MIB).bar(2, BarKind.MEM64, 128 * MIB);
        root.add(0, 5, 0, big);
        List<BusWindows> w = root.assignBars(40 * GIB, false);
        // High RAM ends at 4 GiB + 40 GiB; the 64-bit window starts at the next 32 GiB boundary.
        assertEquals(64 * GIB, addr(big, 0));
        assertEquals(0xC0000000L, addr(big, 2), "128 MiB is still 'small'");
        assertEquals(64 * GIB, w.getFirst().mem64Base());
        assertEquals(65 * GIB, w.getFirst().mem64Limit(), "256 MiB used, plus 512 MiB of slop, 512 MiB aligned");
        assertEquals(0x0000000CL, big.config().get32(PciConfigSpace.BAR0) & 0xFL);
        assertEquals(16, big.config().get32(PciConfigSpace.BAR0 + 4), "upper dword holds 64 GiB >> 32");
    }

    @Test
    void noHighMemoryStillStartsThe64BitWindowAt32GiB() {
        TestFunction big = new TestFunction("big").prefetchBar(0, GIB);
        root.add(0, 5, 0, big);
        root.assignBars(0, false);
        assertEquals(32 * GIB, addr(big, 0));
    }

    @Test
    void claimedPortsAreSkipped() {
        pio.register(0x2000, 24, (IoDeviceStub) () -> 0, "pc-testdev-irq-line");
        TestFunction a = new TestFunction("a").bar(0, BarKind.IO, 0x40);
        root.add(0, 2, 0, a);
        root.assignBars(0, false);
        assertEquals(0x2040, addr(a, 0));
    }

    @Test
    void eachBusGetsItsOwnWindowAfterTheSlopOfThePrevious() {
        TestFunction a = new TestFunction("a").bar(0, BarKind.IO, 0x20).bar(1, BarKind.MEM32, 0x1000);
        TestFunction b = new TestFunction("b").bar(0, BarKind.IO, 0x20).bar(1, BarKind.MEM32, 0x1000);
        root.add(0, 2, 0, a);
        root.add(1, 0, 0, b);
        List<BusWindows> w = root.assignBars(0, false);
        assertEquals(2, w.size());
        assertEquals(1, w.get(1).bus());
        assertEquals(w.get(0).ioLimit(), w.get(1).ioBase());
        assertEquals(w.get(0).ioLimit(), addr(b, 0));
        assertEquals(0xC0200000L, addr(b, 1));
    }

    @Test
    void runningOutOfRoomIsAConfigurationError() {
        TestFunction a = new TestFunction("a").bar(0, BarKind.MEM32, GIB);
        root.add(0, 2, 0, a);
        ConfigException e = assertThrows(ConfigException.class, () -> root.assignBars(0, false));
        assertTrue(e.getMessage().contains("a@pci.0.2.0") && e.getMessage().contains("BAR 0"), e.getMessage());
    }

    @Test
    void assignedBarsAreDecodedOnlyWithDecodingEnabled() {
        TestFunction a = new TestFunction("a").bar(0, BarKind.IO, 0x20);
        root.add(0, 2, 0, a);
        root.assignBars(0, false);
        assertNull(pio.find(0x2000));
        assertFalse(a.bars().getFirst().mapped());
    }

    /** A placeholder region for claimed addresses. */
    @FunctionalInterface
    interface IoDeviceStub extends org.jhyve.bus.IoDevice {
        long value();

        @Override default long read(long offset, int size) { return value(); }

        @Override default void write(long offset, int size, long v) { }
    }
}
