package org.jhyve.firmware.acpi;

import static org.jhyve.firmware.Bytes.ascii;
import static org.jhyve.firmware.Bytes.sum;
import static org.jhyve.firmware.Bytes.u16;
import static org.jhyve.firmware.Bytes.u32;
import static org.jhyve.firmware.Bytes.u64;
import static org.jhyve.firmware.Bytes.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;
import org.jhyve.firmware.Blob;
import org.jhyve.firmware.Layout;
import org.jhyve.firmware.PlatformInfo;
import org.jhyve.firmware.Platforms;
import org.junit.jupiter.api.Test;

class AcpiTablesTest {
    private static Map<String, Blob> tables(PlatformInfo p) {
        Map<String, Blob> m = new HashMap<>();
        for (Blob b : AcpiTables.build(p, Layout.ACPI, Layout.ACPI_END).blobs()) m.put(b.name(), b);
        return m;
    }

    @Test
    void rsdpComesFirstAndEverythingFitsAlignedWithoutOverlap() {
        AcpiTables.Result r = AcpiTables.build(Platforms.standard(), Layout.ACPI, Layout.ACPI_END);
        assertEquals(0xF2400, r.rsdpAddress());
        assertEquals("RSDP", r.blobs().getFirst().name());
        assertEquals(0xF2400, r.blobs().getFirst().guestAddress());
        List<String> names = r.blobs().stream().map(Blob::name).toList();
        assertEquals(List.of("RSDP", "RSDT", "XSDT", "FACP", "FACS", "APIC", "MCFG", "SPCR", "DSDT"), names);
        long previousEnd = 0;
        for (Blob b : r.blobs()) {
            assertEquals(0, b.guestAddress() % 16, b + " not 16-byte aligned");
            assertTrue(b.guestAddress() >= previousEnd, b + " overlaps its predecessor");
            assertTrue(b.end() <= Layout.ACPI_END, b + " beyond 1 MiB");
            previousEnd = b.end();
        }
        Blob facs = r.blobs().stream().filter(b -> b.name().equals("FACS")).findFirst().orElseThrow();
        assertEquals(0, facs.guestAddress() % 64);
    }

    @Test
    void everyTableHasItsLengthAndAZeroChecksum() {
        for (Blob b : tables(Platforms.standard()).values()) {
            byte[] t = b.bytes();
            switch (b.name()) {
                case "RSDP" -> {
                    assertEquals(0, sum(t, 0, 20), "RSDP checksum");
                    assertEquals(0, sum(t, 0, 36), "RSDP extended checksum");
                }
                case "FACS" -> assertEquals(64, u32(t, 4));
                default -> {
                    assertEquals(b.name(), ascii(t, 0, 4));
                    assertEquals(t.length, u32(t, 4), b.name() + " length");
                    assertEquals(0, sum(t, 0, t.length), b.name() + " checksum");
                    assertEquals("JHYVE ", ascii(t, 10, 6));
                }
            }
        }
    }

    @Test
    void rootPointersReachEveryTable() {
        Map<String, Blob> m = tables(Platforms.standard());
        byte[] rsdp = m.get("RSDP").bytes();
        assertEquals("RSD PTR ", ascii(rsdp, 0, 8));
        assertEquals(2, u8(rsdp, 15));
        assertEquals(m.get("RSDT").guestAddress(), u32(rsdp, 16));
        assertEquals(36, u32(rsdp, 20));
        assertEquals(m.get("XSDT").guestAddress(), u64(rsdp, 24));

        List<Long> expected = List.of(m.get("FACP").guestAddress(), m.get("APIC").guestAddress(),
                m.get("MCFG").guestAddress(), m.get("SPCR").guestAddress());
        byte[] rsdt = m.get("RSDT").bytes();
        byte[] xsdt = m.get("XSDT").bytes();
        List<Long> fromRsdt = new ArrayList<>();
        List<Long> fromXsdt = new ArrayList<>();
        for (int i = 36; i < rsdt.length; i += 4) fromRsdt.add(u32(rsdt, i));
        for (int i = 36; i < xsdt.length; i += 8) fromXsdt.add(u64(xsdt, i));
        assertEquals(expected, fromRsdt);
        assertEquals(expected, fromXsdt);

        byte[] fadt = m.get("FACP").bytes();
        assertEquals(m.get("FACS").guestAddress(), u32(fadt, 36));
        assertEquals(m.get("DSDT").guestAddress(), u32(fadt, 40));
        assertEquals(m.get("FACS").guestAddress(), u64(fadt, 132));
        assertEquals(m.get("DSDT").guestAddress(), u64(fadt, 140));
    }

    @Test
    void fadtFields() {
        byte[] f = Fadt.build(0xF2600, 0xF2740);
        assertEquals(276, f.length);
        assertEquals(6, u8(f, 8));
        assertEquals(9, u16(f, 46));                  // SCI_INT
        assertEquals(0xB2, u32(f, 48));               // SMI_CMD
        assertEquals(0xA0, u8(f, 52));
        assertEquals(0xA1, u8(f, 53));
        assertEquals(0x400, u32(f, 56));              // PM1a_EVT_BLK
        assertEquals(0x404, u32(f, 64));              // PM1a_CNT_BLK
        assertEquals(0x408, u32(f, 76));              // PM_TMR_BLK
        assertEquals(4, u8(f, 88));
        assertEquals(2, u8(f, 89));
        assertEquals(4, u8(f, 91));
        assertEquals(0x0003, u16(f, 109));            // IAPC_BOOT_ARCH: legacy devices, 8042
        long flags = u32(f, 112);
        assertTrue((flags & (1 << 10)) != 0, "RESET_REG_SUP");
        assertEquals(0, flags & (1 << 4), "power button must be a fixed feature");
        assertEquals(0, flags & (1 << 20), "not hardware-reduced");
        assertEquals(1, u8(f, 116));                  // reset register: system I/O
        assertEquals(8, u8(f, 117));
        assertEquals(0xCF9, u64(f, 120));
        assertEquals(6, u8(f, 128));                  // reset value
        assertEquals(1, u8(f, 148));                  // X_PM1a_EVT_BLK in I/O space
        assertEquals(0x400, u64(f, 152));
        assertEquals(0x404, u64(f, 176));             // X_PM1a_CNT_BLK
        assertEquals(16, u8(f, 173));
        assertEquals(0x408, u64(f, 212));             // X_PM_TMR_BLK
        assertEquals(32, u8(f, 209));
    }

    @Test
    void madtListsEachCpuTheIoapicOverridesAndNmi() {
        PlatformInfo p = Platforms.of(Platforms.config("4", "1G"));
        byte[] m = Madt.build(p);
        assertEquals(Layout.LAPIC, u32(m, 36));
        assertEquals(1, u32(m, 40));
        List<int[]> entries = entries(m);
        int cpus = 0;
        for (int[] e : entries) {
            if (e[0] == 0) {
                assertEquals(8, e[1]);
                assertEquals(cpus, u8(m, e[2] + 2), "processor UID");
                assertEquals(cpus, u8(m, e[2] + 3), "APIC ID");
                assertEquals(1, u32(m, e[2] + 4), "enabled");
                cpus++;
            }
        }
        assertEquals(4, cpus);
        int[] ioapic = entries.stream().filter(e -> e[0] == 1).findFirst().orElseThrow();
        assertEquals(4, u8(m, ioapic[2] + 2), "IOAPIC ID after the vCPUs");
        assertEquals(Layout.IOAPIC, u32(m, ioapic[2] + 4));
        assertEquals(0, u32(m, ioapic[2] + 8));
        List<int[]> overrides = entries.stream().filter(e -> e[0] == 2).toList();
        assertEquals(2, overrides.size());
        assertEquals(0, u8(m, overrides.get(0)[2] + 3));
        assertEquals(2, u32(m, overrides.get(0)[2] + 4));
        assertEquals(9, u8(m, overrides.get(1)[2] + 3));
        assertEquals(9, u32(m, overrides.get(1)[2] + 4));
        assertEquals(0x000D, u16(m, overrides.get(1)[2] + 8));
        int[] nmi = entries.stream().filter(e -> e[0] == 4).findFirst().orElseThrow();
        assertEquals(0xFF, u8(m, nmi[2] + 2));
        assertEquals(1, u8(m, nmi[2] + 5), "LINT1");
    }

    @Test
    void x2apicModeUsesX2apicEntries() {
        ConfigTree c = Platforms.config("3", "1G");
        c.set("x86.x2apic", "true");
        byte[] m = Madt.build(Platforms.of(c));
        List<int[]> entries = entries(m);
        assertEquals(3, entries.stream().filter(e -> e[0] == 9).count());
        assertEquals(0, entries.stream().filter(e -> e[0] == 0).count());
        int[] second = entries.stream().filter(e -> e[0] == 9).skip(1).findFirst().orElseThrow();
        assertEquals(16, second[1]);
        assertEquals(1, u32(m, second[2] + 4), "x2APIC ID");
        assertEquals(1, u32(m, second[2] + 12), "processor UID");
        int[] nmi = entries.stream().filter(e -> e[0] == 0x0A).findFirst().orElseThrow();
        assertEquals(0xFFFFFFFFL, u32(m, nmi[2] + 4));
        assertEquals(1, u8(m, nmi[2] + 8));
    }

    @Test
    void mcfgDescribesTheEcamArea() {
        byte[] m = Mcfg.build(Platforms.standard());
        assertEquals(60, m.length);
        assertEquals(0xE0000000L, u64(m, 44));
        assertEquals(0, u16(m, 52));
        assertEquals(0, u8(m, 54));
        assertEquals(255, u8(m, 55));
    }

    @Test
    void spcrOnlyWithCom1() {
        byte[] s = tables(Platforms.standard()).get("SPCR").bytes();
        assertEquals(1, u8(s, 40));                   // I/O space
        assertEquals(0x3F8, u64(s, 44));
        assertEquals(4, u8(s, 53));
        assertEquals(4, u32(s, 54));
        assertEquals(7, u8(s, 58));                   // 115200 baud

        ConfigTree c = Platforms.config("1", "256M");
        c.unset("lpc.com1.path");
        Map<String, Blob> m = tables(Platforms.of(c));
        assertFalse(m.containsKey("SPCR"));
        assertEquals(36 + 3 * 4, m.get("RSDT").size());
    }

    @Test
    void tablesThatDoNotFitAreRefused() {
        assertThrows(ConfigException.class, () -> AcpiTables.build(Platforms.standard(), Layout.ACPI, Layout.ACPI + 0x400));
    }

    /** MADT subtables as {type, length, offset}. */
    private static List<int[]> entries(byte[] m) {
        List<int[]> out = new ArrayList<>();
        for (int at = 44; at < m.length; at += u8(m, at + 1)) out.add(new int[] {u8(m, at), u8(m, at + 1), at});
        return out;
    }
}
