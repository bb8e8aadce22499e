package org.jhyve.devices;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DeviceRegistryTest {
    @Test
    void pciHelpListsImplementedThenMissingBhyveEmulations() {
        String help = DeviceRegistry.standard().pciHelp();
        assertTrue(help.startsWith("hostbridge\namd_hostbridge\nlpc\n"), help);
        assertTrue(help.contains("virtio-net (not implemented in jhyve yet)\n"), help);
        assertTrue(help.contains("hda (not implemented in jhyve yet)\n"), help);
        assertFalse(help.contains("lpc (not"), help);
        assertEquals(DeviceRegistry.BHYVE_PCI.size(), help.lines().count());
    }

    @Test
    void registeringAnEmulationRemovesItsMark() {
        DeviceRegistry r = DeviceRegistry.standard();
        r.register("virtio-rnd", c -> { throw new AssertionError(); });
        assertTrue(r.isImplemented("virtio-rnd"));
        assertTrue(r.pciHelp().contains("virtio-rnd\n"));
        assertFalse(r.pciHelp().contains("virtio-rnd (not"));
        assertThrows(IllegalStateException.class, () -> r.register("virtio-rnd", c -> null));
    }

    @Test
    void lpcHelpInBhyveOrderWithBootromMarked() {
        DeviceRegistry r = DeviceRegistry.standard();
        assertEquals("bootrom (not implemented in jhyve yet)\ncom1\ncom2\ncom3\ncom4\npc-testdev\n", r.lpcHelp());
        r.registerLpc("bootrom");
        assertEquals("bootrom\ncom1\ncom2\ncom3\ncom4\npc-testdev\n", r.lpcHelp());
    }
}
