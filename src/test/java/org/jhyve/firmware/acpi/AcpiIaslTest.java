package org.jhyve.firmware.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jhyve.config.ConfigTree;
import org.jhyve.firmware.Blob;
import org.jhyve.firmware.Layout;
import org.jhyve.firmware.PlatformInfo;
import org.jhyve.firmware.Platforms;
import org.jhyve.firmware.IaslSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tables as acpica-tools' iasl reads them: disassembled, checked, and compiled back to the same bytes. */
class AcpiIaslTest {
    private static final Pattern PRT_ENTRY = Pattern.compile(
            "Package \\(0x04\\)\\s*\\{\\s*(\\S+),\\s*(\\S+),\\s*Zero,\\s*(\\S+)\\s*\\}");

    @TempDir
    Path dir;

    private static Map<String, byte[]> tables(PlatformInfo p) {
        Map<String, byte[]> m = new HashMap<>();
        for (Blob b : AcpiTables.build(p, Layout.ACPI, Layout.ACPI_END).blobs()) m.put(b.name(), b.bytes());
        return m;
    }

    private static long number(String asl) {
        return switch (asl) {
            case "Zero" -> 0;
            case "One" -> 1;
            default -> Long.decode(asl);
        };
    }

    /** The part of the DSDT text from "Device (NAME)" to the next device. */
    private static String device(String dsl, String name) {
        int start = dsl.indexOf("Device (" + name + ")");
        assertTrue(start >= 0, "no Device (" + name + ") in\n" + dsl);
        int end = dsl.indexOf("Device (", start + 1);
        return dsl.substring(start, end < 0 ? dsl.length() : end);
    }

    @Test
    void dsdtDescribesThePlatform() throws Exception {
        PlatformInfo p = Platforms.standard();
        byte[] dsdt = tables(p).get("DSDT");
        String dsl = IaslSupport.disassemble(dir, "dsdt", dsdt);

        assertTrue(dsl.contains("DefinitionBlock (\"\", \"DSDT\", 2, \"JHYVE \", \"JHDSDT  \""), dsl);
        assertTrue(dsl.contains("Method (_PIC, 1, NotSerialized)"));
        assertTrue(Pattern.compile("Name \\(_S5, Package \\(0x02\\)[^{]*\\{\\s*0x05,\\s*Zero\\s*\\}").matcher(dsl).find(),
                "_S5 must be Package {5, 0}");
        assertTrue(dsl.contains("Scope (\\_SB)"));
        String pci0 = dsl.substring(dsl.indexOf("Device (PCI0)"));
        assertTrue(pci0.contains("Name (_HID, EisaId (\"PNP0A08\")"));
        assertTrue(pci0.contains("Name (_CID, EisaId (\"PNP0A03\")"));
        assertTrue(pci0.contains("Name (_BBN, Zero)"));
        assertTrue(pci0.contains("Name (_SEG, Zero)"));
        assertTrue(pci0.contains("WordBusNumber (ResourceProducer"));
        assertTrue(pci0.matches("(?s).*0xC0000000,\\s+// Range Minimum\\s+0xDFFFFFFF,\\s+// Range Maximum.*"), "32-bit window");
        assertTrue(pci0.matches("(?s).*0x0000000800000000, // Range Minimum.*"), "64-bit window");
        assertTrue(pci0.matches("(?s).*0x2000,\\s+// Range Minimum\\s+0xFFFF,\\s+// Range Maximum.*"), "I/O window");

        // _PRT: all four pins of each present slot (0, 2, 3, 4, 31), GSI 16 + (slot + pin) % 8.
        Map<String, Long> prt = new TreeMap<>();
        Matcher m = PRT_ENTRY.matcher(dsl);
        while (m.find()) prt.put(number(m.group(1)) + "/" + number(m.group(2)), number(m.group(3)));
        Map<String, Long> expected = new TreeMap<>();
        for (int slot : new int[] {0, 2, 3, 4, 31}) {
            for (int pin = 0; pin < 4; pin++) expected.put(((long) slot << 16 | 0xFFFF) + "/" + pin, 16L + (slot + pin) % 8);
        }
        assertEquals(expected, prt);
        assertEquals(21L, prt.get((4L << 16 | 0xFFFF) + "/1"), "slot 4 INTB#");

        String pdrc = device(dsl, "PDRC");
        assertTrue(pdrc.contains("EisaId (\"PNP0C02\")"));
        assertTrue(pdrc.matches("(?s).*0xE0000000,\\s+// Address Base\\s+0x10000000,\\s+// Address Length.*"), pdrc);
        for (String port : new String[] {"0x00B2", "0x0400", "0x0404", "0x0408"}) assertTrue(pdrc.contains(port), port);

        assertTrue(device(dsl, "ISA").contains("Name (_ADR, 0x001F0000)"));
        String com1 = device(dsl, "COM1");
        assertTrue(com1.contains("EisaId (\"PNP0501\")"));
        assertTrue(com1.matches("(?s).*0x03F8,\\s+// Range Minimum.*0x08,\\s+// Length.*IRQNoFlags \\(\\)\\s+\\{4\\}.*"), com1);
        String com2 = device(dsl, "COM2");
        assertTrue(com2.matches("(?s).*0x02F8,\\s+// Range Minimum.*IRQNoFlags \\(\\)\\s+\\{3\\}.*"), com2);
        assertFalse(dsl.contains("Device (COM3)"));
        assertTrue(device(dsl, "RTC").matches("(?s).*PNP0B00.*0x0070,.*\\{8\\}.*"));
        assertTrue(device(dsl, "TIMR").matches("(?s).*PNP0100.*0x0040,.*\\{0\\}.*"));
        assertTrue(device(dsl, "PIC").matches("(?s).*PNP0000.*0x0020,.*0x00A0,.*\\{2\\}.*"));
        assertTrue(device(dsl, "KBD").matches("(?s).*PNP0303.*0x0060,.*0x0064,.*\\{1\\}.*"));
        assertFalse(dsl.contains("PNP0103"), "no HPET device");

        // iasl compiles the disassembly back to exactly our AML (the header's creator fields differ).
        byte[] again = IaslSupport.recompile(dir, "dsdt");
        assertArrayEquals(Arrays.copyOfRange(dsdt, 36, dsdt.length), Arrays.copyOfRange(again, 36, again.length));
    }

    @Test
    void dsdtWithoutLpcKeepsTheLegacyDevicesInAGenericIsaContainer() throws Exception {
        ConfigTree c = Platforms.config("1", "256M");
        c.unset("pci.0.31.0.device");
        PlatformInfo p = PlatformInfo.fromConfig(c, Platforms.bus0(), Platforms.CPU, () -> Platforms.HOST);
        String dsl = IaslSupport.disassemble(dir, "dsdt-nolpc", tables(p).get("DSDT"));
        String isa = device(dsl, "ISA");
        assertTrue(isa.contains("EisaId (\"PNP0A05\")"), isa);
        assertFalse(isa.contains("_ADR"));
        assertFalse(dsl.contains("PNP0501"), "no COM ports without the LPC bridge");
        assertTrue(dsl.contains("PNP0303"));
    }

    @Test
    void dataTablesDisassembleAsIntended() throws Exception {
        Map<String, byte[]> t = tables(Platforms.of(Platforms.config("3", "4G")));

        String fadt = IaslSupport.disassemble(dir, "facp", t.get("FACP"));
        for (String line : new String[] {
                "SCI Interrupt : 0009", "SMI Command Port : 000000B2", "ACPI Enable Value : A0",
                "ACPI Disable Value : A1", "PM1A Event Block Address : 00000400",
                "PM1A Control Block Address : 00000404", "PM Timer Block Address : 00000408",
                "PM1 Event Block Length : 04", "PM1 Control Block Length : 02", "PM Timer Block Length : 04",
                "Legacy Devices Supported (V2) : 1", "8042 Present on ports 60/64 (V2) : 1",
                "Reset Register Supported (V2) : 1", "Hardware Reduced (V5) : 0", "Control Method Power Button (V1) : 0",
                "Address : 0000000000000CF9", "Value to cause reset : 06", "RTC Century Index : 32"}) {
            assertTrue(fadt.replaceAll(" +", " ").contains(line), "FADT lacks '" + line + "':\n" + fadt);
        }

        String madt = IaslSupport.disassemble(dir, "apic", t.get("APIC"));
        assertEquals(3, count(madt, "[Processor Local APIC]"));
        assertEquals(2, count(madt, "[Interrupt Source Override]"));
        assertTrue(madt.replaceAll(" +", " ").contains("I/O Apic ID : 03"));
        assertTrue(madt.replaceAll(" +", " ").contains("Address : FEC00000"));
        assertTrue(madt.contains("[Local APIC NMI]"));

        String mcfg = IaslSupport.disassemble(dir, "mcfg", t.get("MCFG"));
        assertTrue(mcfg.replaceAll(" +", " ").contains("Base Address : 00000000E0000000"));
        assertTrue(mcfg.replaceAll(" +", " ").contains("End Bus Number : FF"));

        String spcr = IaslSupport.disassemble(dir, "spcr", t.get("SPCR"));
        assertTrue(spcr.replaceAll(" +", " ").contains("Address : 00000000000003F8"));
        assertTrue(spcr.replaceAll(" +", " ").contains("PCAT-compatible IRQ : 04"));

        String xsdt = IaslSupport.disassemble(dir, "xsdt", t.get("XSDT"));
        assertEquals(4, count(xsdt, "ACPI Table Address"));
        String facs = IaslSupport.disassemble(dir, "facs", t.get("FACS"));
        assertTrue(facs.replaceAll(" +", " ").contains("Length : 00000040"));
        IaslSupport.disassemble(dir, "rsdt", t.get("RSDT"));

        // iasl's data-table compiler rebuilds each table from its disassembly; only the checksum and
        // the creator ID/revision (which iasl sets to its own) may differ.
        for (String name : new String[] {"facp", "apic", "mcfg", "spcr", "xsdt", "rsdt", "facs"}) {
            byte[] ours = t.get(name.toUpperCase());
            byte[] again = IaslSupport.recompile(dir, name);
            assertEquals(ours.length, again.length, name);
            for (int i = 0; i < ours.length; i++) {
                boolean headerField = !name.equals("facs") && (i == 9 || (i >= 28 && i < 36));
                if (!headerField) assertEquals(ours[i], again[i], name + " byte " + i);
            }
        }
    }

    @Test
    void x2apicMadtDisassembles() throws Exception {
        ConfigTree c = Platforms.config("2", "1G");
        c.set("x86.x2apic", "true");
        String madt = IaslSupport.disassemble(dir, "apic-x2", tables(Platforms.of(c)).get("APIC"));
        assertEquals(2, count(madt, "[Processor Local x2APIC]"));
        assertEquals(1, count(madt, "[Local x2APIC NMI]"));
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
        return n;
    }
}
