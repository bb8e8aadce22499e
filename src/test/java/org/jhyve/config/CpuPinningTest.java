package org.jhyve.config;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CpuPinningTest {
    static BitSet bits(int... cpus) {
        BitSet b = new BitSet();
        for (int c : cpus) b.set(c);
        return b;
    }

    @Test
    void listsAndRanges() {
        assertEquals(bits(3), CpuPinning.cpuset(0, "3"));
        assertEquals(bits(0, 1, 2, 3, 8), CpuPinning.cpuset(0, "0-3,8"));
        assertEquals(bits(16, 17), CpuPinning.cpuset(0, "0x10-0x11"));
        assertEquals(bits(5), CpuPinning.cpuset(0, "5-5"));
        assertEquals(bits(1023), CpuPinning.cpuset(0, "1023"));
    }

    @Test
    void badLists() {
        assertEquals("invalid cpuset for vcpu 2: '1,'",
                assertThrows(ConfigException.class, () -> CpuPinning.cpuset(2, "1,")).getMessage());
        assertEquals("invalid cpuset for vcpu 0: '1-2-3'",
                assertThrows(ConfigException.class, () -> CpuPinning.cpuset(0, "1-2-3")).getMessage());
        assertEquals("invalid cpuset for vcpu 0: '1;2'",
                assertThrows(ConfigException.class, () -> CpuPinning.cpuset(0, "1;2")).getMessage());
        assertEquals("Invalid hostcpu range 4-2",
                assertThrows(ConfigException.class, () -> CpuPinning.cpuset(0, "4-2")).getMessage());
        assertEquals("hostcpu '1024' outside valid range from 0 to 1023",
                assertThrows(ConfigException.class, () -> CpuPinning.cpuset(0, "1024")).getMessage());
    }

    @Test
    void fromConfigLooksOnlyAtExistingVcpus() {
        ConfigTree t = new ConfigTree();
        CpuPinning.addPin(t, "0:2");
        CpuPinning.addPin(t, "0:4");
        CpuPinning.addPin(t, "1:7");
        t.set("vcpu.9.cpuset", "nonsense");
        assertEquals("2,4", t.get("vcpu.0.cpuset"));
        assertEquals(Map.of(0, bits(2, 4), 1, bits(7)), CpuPinning.fromConfig(t, 2));
        assertEquals(Map.of(0, bits(2, 4)), CpuPinning.fromConfig(t, 1));
    }
}
