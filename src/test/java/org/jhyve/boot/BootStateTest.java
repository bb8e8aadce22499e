package org.jhyve.boot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.jhyve.boot.LinuxBootTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BootStateTest {
    @Test
    void linuxStateRoundTrips() {
        BootState s = new BootState(512L << 20, new BootEntry.Linux64(0x100200, 0x7000, 0x9000, 0x500, 0x8ff0),
                List.of(new BootState.Region("kernel", 0x100000, 0x7a0000), new BootState.Region("initrd", 0x1f000000, 12345)));
        String text = s.toText();
        assertTrue(text.contains("protocol=linux64\nrip=0x100200\nzero_page=0x7000\n"), text);
        assertTrue(text.contains("region.initrd=0x1f000000,0x3039\n"), text);
        assertEquals(s, BootState.parse(text, "boot"));
    }

    @Test
    void pvhStateRoundTrips() {
        BootState s = new BootState(1L << 30, new BootEntry.Pvh(0x1000000, 0x6000), List.of());
        assertEquals(s, BootState.parse(s.toText(), "boot"));
    }

    @Test
    void damagedFilesAreRefused() {
        assertMessage("f: not a jhyve boot state (format null", () -> BootState.parse("memory.size=1\n", "f"));
        assertMessage("f: unknown boot protocol 'bios'", () -> BootState.parse("format=jhyve-boot-1\nmemory.size=1\nprotocol=bios\n", "f"));
        assertMessage("f: 'zero_page' is missing",
                () -> BootState.parse("format=jhyve-boot-1\nmemory.size=1\nprotocol=linux64\nrip=0x1\n", "f"));
        assertMessage("f: 'rip' is not a number: 0xzz",
                () -> BootState.parse("format=jhyve-boot-1\nmemory.size=1\nprotocol=pvh\nrip=0xzz\nstart_info=0x6000\n", "f"));
        assertMessage("f: malformed line 'garbage'", () -> BootState.parse("garbage\n", "f"));
    }
}
