package org.jhyve.sys;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GsiRouteTest {
    private static List<GsiRoute> routesOf(int gsi) {
        return GsiRoute.platformDefaults().stream().filter(r -> r.gsi() == gsi).toList();
    }

    /** The MADT overrides ISA IRQ 0 to GSI 2: the PIT must arrive at IOAPIC pin 2, as guests program it. */
    @Test
    void thePitReachesIoapicPinTwoAndThePicsPinZero() {
        assertEquals(List.of(new GsiRoute.Irqchip(0, GsiRoute.CHIP_IOAPIC, 2), new GsiRoute.Irqchip(0, GsiRoute.CHIP_PIC_MASTER, 0)),
                routesOf(0));
        assertEquals(List.of(), routesOf(2), "GSI 2 is the cascade");
    }

    @Test
    void isaGsisReachBothChipsAndPciGsisOnlyTheIoapic() {
        assertEquals(List.of(new GsiRoute.Irqchip(4, GsiRoute.CHIP_IOAPIC, 4), new GsiRoute.Irqchip(4, GsiRoute.CHIP_PIC_MASTER, 4)),
                routesOf(4));
        assertEquals(List.of(new GsiRoute.Irqchip(9, GsiRoute.CHIP_IOAPIC, 9), new GsiRoute.Irqchip(9, GsiRoute.CHIP_PIC_SLAVE, 1)),
                routesOf(9));
        assertEquals(List.of(new GsiRoute.Irqchip(16, GsiRoute.CHIP_IOAPIC, 16)), routesOf(16));
        assertEquals(List.of(new GsiRoute.Irqchip(23, GsiRoute.CHIP_IOAPIC, 23)), routesOf(23));
        assertEquals(List.of(), routesOf(24));
    }
}
