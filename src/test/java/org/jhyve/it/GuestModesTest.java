package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.jhyve.it.TestGuest.assertExit;
import static org.jhyve.it.TestGuest.assertLine;
import static org.jhyve.it.TestGuest.assertOrder;
import static org.jhyve.it.TestGuest.linesStarting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test guest's modes on real KVM, each ending the way bhyve ends: power-off 1, reset 0,
 * halt 2, triple fault 3. Every test checks the exit status and the lines that show the guest
 * saw the machine the command line describes.
 */
@Tag("kvm")
class GuestModesTest {
    static final String POWEROFF_LINE = "poweroff: method=pm1a_cnt space=io addr=0x404 slp_typ=5";
    /** The 384 KiB between 640 KiB and 1 MiB (VGA, option ROMs, BIOS) are not RAM in the map. */
    static final long LEGACY_HOLE = 0x100000 - 0xA0000;

    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    @Test
    void demoSeesCpusMemoryPciAndAcpiThenPowersOff() {
        long mem = 200L << 20;
        JhyveProcess.Result r = TestGuest.mode("demo").with("-c", "2", "-m", "200M").run();
        assertExit(1, r);

        assertEquals(List.of("cpu: apic=0 uid=0 enabled bsp", "cpu: apic=1 uid=1 enabled"), linesStarting(r, "cpu: "), r.describe());
        assertEquals(List.of("smp: cpu apic=1 up", "smp: 2 of 2 cpus up"), linesStarting(r, "smp: "), r.describe());

        assertLine(r, "mem: base=0x0 size=0xa0000 type=ram");
        assertLine(r, String.format("mem: base=0x100000 size=0x%x type=ram", mem - 0x100000));
        long ram = mem - LEGACY_HOLE;
        assertLine(r, String.format("mem: ram=0x%x mib=%d", ram, ram >> 20));
        assertTrue(linesStarting(r, "mem: base=").stream().noneMatch(l -> l.contains("base=0x100000000")),
                "no RAM above 4 GiB with -m 200M\n" + r.describe());

        assertEquals(List.of("pci: access=ecam base=0xe0000000 source=mcfg",
                "pci: 00:00.0 id=1275:1275 class=060000 rev=0x00",
                "pci: 00:01.0 id=8086:7000 class=060100 rev=0x00",
                "pci: count=2"), linesStarting(r, "pci: "), r.describe());

        List<String> acpi = linesStarting(r, "acpi: ");
        assertTrue(acpi.getFirst().matches("acpi: rsdp addr=0xf2400 rev=2 oem=\\S+ checksum=OK ext_checksum=OK"), r.describe());
        for (String sig : List.of("XSDT", "FACP", "APIC", "MCFG", "DSDT")) {
            Pattern p = Pattern.compile("acpi: table sig=" + sig + " addr=0xf[0-9a-f]{4} len=\\d+ rev=\\d+ oem=\\S+ checksum=OK");
            assertEquals(1, acpi.stream().filter(l -> p.matcher(l).matches()).count(), "one good " + sig + " line\n" + r.describe());
        }
        assertTrue(acpi.stream().anyMatch(l -> l.startsWith("acpi: table sig=FACS ") && l.endsWith(" len=64 checksum=none")), r.describe());
        assertTrue(acpi.stream().noneMatch(l -> l.contains("checksum=BAD")), r.describe());
        assertTrue(r.lines().stream().anyMatch(l -> l.matches("tsc: khz=\\d+ source=pm-timer")), r.describe());
        assertEquals(POWEROFF_LINE, r.lines().getLast(), r.describe());
    }

    /** The guest validates every table and reports the platform's fixed registers (common facts). */
    @Test
    void acpiTablesDescribeThePlatform() {
        JhyveProcess.Result r = TestGuest.mode("acpi").with("-c", "2").run();
        assertExit(1, r);
        assertTrue(r.lines().stream().anyMatch(l -> l.matches("fadt: len=\\d+ flags=0x[0-9a-f]+ hw_reduced=0 sci_int=9 "
                + "smi_cmd=0xb2 acpi_enable=0xa0 acpi_disable=0xa1")), r.describe());
        assertLine(r, "fadt: pm1a_evt=io:0x400 pm1_evt_len=4 pm1a_cnt=io:0x404 pm1_cnt_len=2 pm_tmr=io:0x408 pm_tmr_len=4 "
                + "reset_reg=io:0xcf9 reset_value=0x6 sleep_control=none");
        assertLine(r, "madt: lapic_addr=0xfee00000 flags=0x1");
        assertLine(r, "madt: lapic uid=0 apic=0 flags=0x1");
        assertLine(r, "madt: lapic uid=1 apic=1 flags=0x1");
        assertTrue(r.lines().stream().anyMatch(l -> l.matches("madt: ioapic id=\\d+ addr=0xfec00000 gsi_base=0")), r.describe());
        assertLine(r, "madt: iso bus=0 irq=9 gsi=9 flags=0x000d");
        assertLine(r, "mcfg: base=0xe0000000 segment=0 buses=0-255");
        assertLine(r, "s5: slp_typa=5 slp_typb=0");
        assertTrue(r.lines().stream().anyMatch(l -> l.matches("acpi: ok tables=\\d+")), r.describe());
        assertEquals(POWEROFF_LINE, r.lines().getLast(), r.describe());
    }

    @Test
    void poweroffExitsOne() {
        JhyveProcess.Result r = TestGuest.mode("poweroff").run();
        assertExit(1, r);
        assertEquals(POWEROFF_LINE, r.lines().getLast(), r.describe());
    }

    @Test
    void resetThroughCf9ExitsZero() {
        JhyveProcess.Result r = TestGuest.mode("reset").run();
        assertExit(0, r);
        assertEquals("reset: method=cf9 port=0xcf9 value=0x6", r.lines().getLast(), r.describe());
    }

    @Test
    void keyboardControllerResetExitsZero() {
        JhyveProcess.Result r = TestGuest.mode("kbdreset").run();
        assertExit(0, r);
        assertEquals("reset: method=kbd port=0x64 value=0xfe", r.lines().getLast(), r.describe());
    }

    @Test
    void allCpusHaltedExitsTwo() {
        JhyveProcess.Result r = TestGuest.mode("halt").with("-c", "2").run();
        assertExit(2, r);
        assertLine(r, "smp: 2 of 2 cpus up");
        assertEquals("halt: all cpus halted", r.lines().getLast(), r.describe());
    }

    @Test
    void tripleFaultExitsThree() {
        JhyveProcess.Result r = TestGuest.mode("triplefault").run();
        assertExit(3, r);
        assertEquals("triplefault: empty idt then divide by zero", r.lines().getLast(), r.describe());
    }

    @Test
    void fourCpusAllStart() {
        JhyveProcess.Result r = TestGuest.mode("smp").with("-c", "4").run();
        assertExit(1, r);
        assertEquals(List.of("smp: cpu apic=1 up", "smp: cpu apic=2 up", "smp: cpu apic=3 up", "smp: 4 of 4 cpus up"),
                linesStarting(r, "smp: "), r.describe());
        assertEquals(POWEROFF_LINE, r.lines().getLast(), r.describe());
    }

    @Test
    void socketsAndCoresTopologyBoots() {
        JhyveProcess.Result r = TestGuest.mode("smp").with("-c", "cpus=4,sockets=2,cores=2").run();
        assertExit(1, r);
        assertEquals(3, linesStarting(r, "smp: cpu apic=").stream().filter(l -> l.endsWith(" up")).count(), r.describe());
        assertLine(r, "smp: 4 of 4 cpus up");
    }

    @Test
    void extraHostBridgeAndSecondFunctionAreOnTheBus() {
        JhyveProcess.Result r = TestGuest.mode("pci").devices("-s", "0,hostbridge", "-s", "1,lpc", "-s", "2,amd_hostbridge",
                "-s", "3:0,hostbridge", "-s", "3:1,amd_hostbridge", "-l", "com1,stdio").run();
        assertExit(1, r);
        assertLine(r, "pci: 00:00.0 id=1275:1275 class=060000 rev=0x00");
        assertLine(r, "pci: 00:01.0 id=8086:7000 class=060100 rev=0x00");
        assertLine(r, "pci: 00:02.0 id=1022:7432 class=060000 rev=0x00");
        assertLine(r, "pci: 00:03.0 id=1275:1275 class=060000 rev=0x00");
        assertLine(r, "pci: 00:03.1 id=1022:7432 class=060000 rev=0x00");
        // slot 3 has two functions, so both say multifunction; slot 2 has one
        assertTrue(linesStarting(r, "pci: 00:03.0 header=").getFirst().startsWith("pci: 00:03.0 header=0x80 "), r.describe());
        assertTrue(linesStarting(r, "pci: 00:03.1 header=").getFirst().startsWith("pci: 00:03.1 header=0x80 "), r.describe());
        assertTrue(linesStarting(r, "pci: 00:02.0 header=").getFirst().startsWith("pci: 00:02.0 header=0x00 "), r.describe());
        assertLine(r, "pci: count=5");
    }

    @Test
    void amdHostBridgeHasAmdIds() {
        JhyveProcess.Result r = TestGuest.mode("demo").devices("-s", "0,amd_hostbridge", "-s", "1,lpc", "-l", "com1,stdio").run();
        assertExit(1, r);
        assertLine(r, "pci: 00:00.0 id=1022:7432 class=060000 rev=0x00");
        assertLine(r, "pci: count=2");
    }

    @Test
    void fourGibibytesPutRamAboveFourGibibytes() {
        JhyveProcess.Result r = TestGuest.mode("demo").with("-m", "4G").run();
        assertExit(1, r);
        // bhyve's split: low RAM ends at 3 GiB, the remaining 1 GiB starts at 4 GiB
        assertLine(r, "mem: base=0x100000 size=0xbff00000 type=ram");
        assertLine(r, "mem: base=0x100000000 size=0x40000000 type=ram");
        long ram = (4L << 30) - LEGACY_HOLE;
        assertLine(r, String.format("mem: ram=0x%x mib=%d", ram, ram >> 20));
        assertOrder(r, "mem: base=0x100000 size=0xbff00000 type=ram", "mem: base=0x100000000 size=0x40000000 type=ram");
    }

    /**
     * The in-kernel 8254 ticks at the IOAPIC pin the MADT names for ISA IRQ 0 (its override to
     * GSI 2), where ACPI guests look for it; wired to pin 0 as in KVM's default routing, the
     * guest halts for ever. The PIT runs with missed ticks dropped (KVM_REINJECT_CONTROL), as bhyve's.
     */
    @Test
    void thePitTicksAtThePinTheMadtNames() {
        JhyveProcess.Result r = TestGuest.mode("pit").start().await(java.time.Duration.ofSeconds(20));
        assertExit(1, r);
        TestGuest.assertNoFailure(r);
        assertLine(r, "pit: irq0 on ioapic pin 2, 20 ticks at 100 hz");
        assertTrue(r.lines().stream().anyMatch(l -> l.matches("pit: 20 ticks in \\d+ ms")), r.describe());
    }
}
