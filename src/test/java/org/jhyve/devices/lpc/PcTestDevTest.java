package org.jhyve.devices.lpc;

import org.jhyve.bus.Bus;
import org.jhyve.devices.Fakes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.jhyve.devices.lpc.PcTestDev.*;
import static org.junit.jupiter.api.Assertions.*;

class PcTestDevTest {
    private Bus pio, mmio;
    private Fakes.Irqs irqs;
    private final List<Integer> exits = new ArrayList<>();

    @BeforeEach
    void setUp() {
        pio = Fakes.bus("pio");
        mmio = Fakes.bus("mmio");
        irqs = new Fakes.Irqs();
        new PcTestDev(exits::add, irqs).register(pio, mmio);
    }

    @Test
    void debugExitEndsWithValueTimesTwoPlusOne() {
        assertEquals(0, pio.read(DEBUG_EXIT, 1));
        pio.write(DEBUG_EXIT, 1, 0);
        pio.write(DEBUG_EXIT, 4, 0x20);
        assertEquals(List.of(1, 0x41), exits);
    }

    @Test
    void ioportIsAByteAddressableScratchDword() {
        pio.write(IOPORT, 4, 0x11223344L);
        assertEquals(0x11223344L, pio.read(IOPORT, 4));
        pio.write(IOPORT + 1, 1, 0xAA);
        assertEquals(0x1122AA44L, pio.read(IOPORT, 4));
        assertEquals(0x1122, pio.read(IOPORT + 2, 2));
        assertEquals(0xAA, pio.read(IOPORT + 1, 1));
    }

    @Test
    void irqPortsAssertAndDeassertTheirIrq() {
        pio.write(IRQ_BASE + 4, 1, 1);
        assertTrue(irqs.apply(4).level);
        pio.write(IRQ_BASE + 4, 1, 0);
        assertFalse(irqs.apply(4).level);
        pio.write(IRQ_BASE + 23, 1, 0xFF);
        assertTrue(irqs.apply(23).level);
        pio.write(IRQ_BASE + 10, 2, 1);   // only byte accesses
        assertFalse(irqs.apply(10).level);
        assertEquals(0, pio.read(IRQ_BASE, 1));
        assertEquals(0xFF, pio.read(IRQ_BASE + IRQ_COUNT, 1), "24 pins only");
    }

    @Test
    void iomemHolds64KiB() {
        mmio.write(IOMEM_BASE, 8, 0x0123456789ABCDEFL);
        assertEquals(0x0123456789ABCDEFL, mmio.read(IOMEM_BASE, 8));
        assertEquals(0xCDEF, mmio.read(IOMEM_BASE, 2));
        mmio.write(IOMEM_BASE + IOMEM_LEN - 1, 1, 0x7E);
        assertEquals(0x7E, mmio.read(IOMEM_BASE + IOMEM_LEN - 1, 1));
        assertEquals(-1L, mmio.read(IOMEM_BASE + IOMEM_LEN - 2, 4), "past the end: refused");
    }
}
