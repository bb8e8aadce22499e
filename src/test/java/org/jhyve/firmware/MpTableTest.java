package org.jhyve.firmware;

import static org.jhyve.firmware.Bytes.ascii;
import static org.jhyve.firmware.Bytes.sum;
import static org.jhyve.firmware.Bytes.u16;
import static org.jhyve.firmware.Bytes.u32;
import static org.jhyve.firmware.Bytes.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;
import org.junit.jupiter.api.Test;

class MpTableTest {
    private static final int[] ENTRY_SIZE = {20, 8, 8, 8, 8};

    /** Configuration table entries as {type, offset}. */
    private static List<int[]> entries(byte[] t) {
        List<int[]> out = new ArrayList<>();
        int at = 16 + 44;
        for (int i = 0; i < u16(t, 16 + 34); i++) {
            out.add(new int[] {u8(t, at), at});
            at += ENTRY_SIZE[u8(t, at)];
        }
        assertEquals(t.length, at, "entries end with the table");
        return out;
    }

    @Test
    void floatingPointerAndHeader() {
        byte[] t = MpTable.build(Platforms.standard(), Layout.MP_TABLE, Layout.MP_TABLE_MAX);
        assertEquals("_MP_", ascii(t, 0, 4));
        assertEquals(Layout.MP_TABLE + 16, u32(t, 4));
        assertEquals(1, u8(t, 8));
        assertEquals(4, u8(t, 9));
        assertEquals(0, sum(t, 0, 16));
        assertEquals("PCMP", ascii(t, 16, 4));
        assertEquals(t.length - 16, u16(t, 20));
        assertEquals(0, sum(t, 16, t.length - 16));
        assertEquals(Layout.LAPIC, u32(t, 16 + 36));
    }

    @Test
    void processorsBusesIoapicAndInterrupts() {
        byte[] t = MpTable.build(Platforms.of(Platforms.config("3", "1G")), Layout.MP_TABLE, Layout.MP_TABLE_MAX);
        List<int[]> e = entries(t);
        List<int[]> cpus = e.stream().filter(x -> x[0] == 0).toList();
        assertEquals(3, cpus.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, u8(t, cpus.get(i)[1] + 1));
            assertEquals(i == 0 ? 3 : 1, u8(t, cpus.get(i)[1] + 3), "enabled, BSP flag on vCPU 0 only");
            assertEquals(0x000906EA, (int) u32(t, cpus.get(i)[1] + 4));
        }
        List<String> buses = e.stream().filter(x -> x[0] == 1).map(x -> ascii(t, x[1] + 2, 6)).toList();
        assertEquals(List.of("PCI   ", "ISA   "), buses);
        int[] ioapic = e.stream().filter(x -> x[0] == 2).findFirst().orElseThrow();
        assertEquals(3, u8(t, ioapic[1] + 1), "IOAPIC ID after the vCPUs");
        assertEquals(Layout.IOAPIC, u32(t, ioapic[1] + 4));

        Map<String, Integer> isa = new HashMap<>();
        Map<String, Integer> pci = new HashMap<>();
        for (int[] x : e) {
            if (x[0] != 3) continue;
            int at = x[1];
            assertEquals(3, u8(t, at + 6), "destination IOAPIC");
            String key = u8(t, at + 1) + "/" + u16(t, at + 2) + "/" + u8(t, at + 5);
            if (u8(t, at + 4) == 1) isa.put(key, u8(t, at + 7));
            else pci.put(key, u8(t, at + 7));
        }
        assertEquals(16, isa.size());
        assertEquals(0, isa.get("3/0/0"), "ExtINT on pin 0");
        assertEquals(2, isa.get("0/0/0"), "IRQ 0 on pin 2");
        assertEquals(9, isa.get("0/13/9"), "SCI level, active-high");
        assertEquals(4, isa.get("0/0/4"));
        // Slots 0, 2, 3, 4, 31, four pins each, level/active-low, to GSI 16 + (slot + pin) % 8.
        assertEquals(20, pci.size());
        for (int slot : new int[] {0, 2, 3, 4, 31}) {
            for (int pin = 0; pin < 4; pin++) {
                assertEquals(16 + (slot + pin) % 8, pci.get("0/15/" + (slot << 2 | pin)), "slot " + slot + " pin " + pin);
            }
        }
        assertEquals(21, pci.get("0/15/" + (4 << 2 | 1)), "slot 4 INTB#");
        List<int[]> local = e.stream().filter(x -> x[0] == 4).toList();
        assertEquals(2, local.size());
        assertEquals(3, u8(t, local.get(0)[1] + 1));
        assertEquals(0, u8(t, local.get(0)[1] + 7), "ExtINT on LINT0");
        assertEquals(1, u8(t, local.get(1)[1] + 1));
        assertEquals(1, u8(t, local.get(1)[1] + 7), "NMI on LINT1");
    }

    @Test
    void tooManyCpusForTheAreaAreRefusedWithAHint() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> MpTable.build(Platforms.of(Platforms.config("200", "1G")), Layout.MP_TABLE, Layout.MP_TABLE_MAX));
        assertTrue(e.getMessage().contains("x86.mptable=false"), e.getMessage());
    }

    @Test
    void mptableFalseLeavesItOut() {
        ConfigTree c = Platforms.config("1", "256M");
        c.set("x86.mptable", "false");
        FirmwareImage img = Firmware.build(Platforms.of(c));
        assertTrue(img.blob("MPTABLE").isEmpty());
        assertTrue(Firmware.build(Platforms.standard()).blob("MPTABLE").isPresent());
    }
}
