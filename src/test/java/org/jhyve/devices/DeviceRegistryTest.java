package org.jhyve.devices;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DeviceRegistryTest {
    @Test
    void pciHelpListsImplementedThenMissingBhyveEmulations() {
        String help = DeviceRegistry.standard().pciHelp();
        assertTrue(help.startsWith("hostbridge\namd_hostbridge\nlpc\n"), help);
        assertTrue(help.contains("xhci (not implemented in jhyve yet)\n"), help);
        assertTrue(help.contains("e1000\nvirtio-net\n"), help);
        assertTrue(help.contains("hda (not implemented in jhyve yet)\n"), help);
        assertFalse(help.contains("lpc (not"), help);
        assertTrue(help.contains("virtio-blk\nvirtio-rnd\nvirtio-console\n"), help);
        assertEquals(DeviceRegistry.BHYVE_PCI.size(), help.lines().count());
    }

    @Test
    void registeringAnEmulationRemovesItsMark() {
        DeviceRegistry r = DeviceRegistry.standard();
        r.register("virtio-9p", c -> { throw new AssertionError(); });
        assertTrue(r.isImplemented("virtio-9p"));
        assertTrue(r.pciHelp().contains("virtio-9p\n"));
        assertFalse(r.pciHelp().contains("virtio-9p (not"));
        assertThrows(IllegalStateException.class, () -> r.register("virtio-9p", c -> null));
    }

    @Test
    void lpcHelpInBhyveOrderWithBootromMarked() {
        DeviceRegistry r = DeviceRegistry.standard();
        assertEquals("bootrom (not implemented in jhyve yet)\ncom1\ncom2\ncom3\ncom4\npc-testdev\n", r.lpcHelp());
        r.registerLpc("bootrom");
        assertEquals("bootrom\ncom1\ncom2\ncom3\ncom4\npc-testdev\n", r.lpcHelp());
    }
}
