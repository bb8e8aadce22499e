package org.jhyve.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;
import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;
import org.junit.jupiter.api.Test;

class PlatformInfoTest {
    @Test
    void fromConfigDerivesBhyvesPlatform() {
        PlatformInfo p = Platforms.of(Platforms.config("2", "5G"));
        assertEquals("testvm", p.vmName());
        assertEquals(new CpuTopology(2, 1, 1), p.topology());
        assertEquals(List.of(0, 1), p.apicIds());
        assertEquals(3L << 30, p.lowMemory());
        assertEquals(2L << 30, p.highMemory());
        assertEquals(new AddressWindow(0x2000, 0xE000), p.pciIo());
        assertEquals(new AddressWindow(0xC0000000L, 0x20000000L), p.pciMem32());
        assertEquals(new AddressWindow(32L << 30, 32L << 30), p.pciMem64());
        assertEquals(0xE0000000L, p.ecamBase());
        assertEquals(new PciFunction(31, 0, 0), p.lpc().orElseThrow());
        assertEquals(List.of(ComPort.COM1, ComPort.COM2), p.comPorts());
        assertEquals(List.of(0, 2, 3, 4, 31), p.pciSlots());
        assertFalse(p.x2apic());
        assertTrue(p.mpTable());
        assertEquals(SystemUuid.defaultFor("testvm", Platforms.HOST), p.uuid());
        assertEquals("BHYVE", p.smbios().get("bios.vendor"));
    }

    @Test
    void defaultsWithoutMemoryOrCpus() {
        ConfigTree c = new ConfigTree();
        c.set("name", "vm");
        PlatformInfo p = PlatformInfo.fromConfig(c, List.of(), Platforms.CPU, () -> "h");
        assertEquals(1, p.cpuCount());
        assertEquals(256L << 20, p.lowMemory());
        assertEquals(0, p.highMemory());
        assertTrue(p.lpc().isEmpty());
        assertTrue(p.comPorts().isEmpty());
    }

    @Test
    void explicitSettings() {
        ConfigTree c = Platforms.config("4", "1G");
        c.set("cores", "2");
        c.set("sockets", "2");
        c.set("x86.x2apic", "on");
        c.set("x86.mptable", "false");
        c.set("uuid", "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        c.set("system.serial_number", "S-%(name)");
        PlatformInfo p = PlatformInfo.fromConfig(c, Platforms.bus0(), Platforms.CPU,
                () -> { throw new AssertionError("the host name is only needed for the default UUID"); });
        assertEquals(new CpuTopology(2, 2, 1), p.topology());
        assertTrue(p.x2apic());
        assertFalse(p.mpTable());
        assertEquals(UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), p.uuid());
        assertEquals("S-testvm", p.smbios().get("system.serial_number"));
    }

    @Test
    void badConfigurationsAreRefused() {
        ConfigTree noName = Platforms.config("1", "256M");
        noName.unset("name");
        assertThrows(ConfigException.class, () -> Platforms.of(noName));
        ConfigTree badUuid = Platforms.config("1", "256M");
        badUuid.set("uuid", "not-a-uuid");
        assertThrows(ConfigException.class, () -> Platforms.of(badUuid));
        ConfigTree badBool = Platforms.config("1", "256M");
        badBool.set("x86.mptable", "maybe");
        assertThrows(ConfigException.class, () -> Platforms.of(badBool));
        assertThrows(ConfigException.class, () -> Platforms.of(Platforms.config("1", "512K")));
        ConfigException many = assertThrows(ConfigException.class, () -> Platforms.of(Platforms.config("300", "1G")));
        assertTrue(many.getMessage().contains("x86.x2apic"), many.getMessage());
        ConfigTree lpcMissing = Platforms.config("1", "256M");
        assertThrows(IllegalArgumentException.class,
                () -> PlatformInfo.fromConfig(lpcMissing, List.of(new PciFunction(0, 0, 0)), Platforms.CPU, () -> "h"));
    }

    @Test
    void manyCpusWorkInX2apicMode() {
        ConfigTree c = Platforms.config("300", "1G");
        c.set("x86.x2apic", "true");
        c.set("x86.mptable", "false");
        c.set("sockets", "1");
        c.set("cores", "300");
        PlatformInfo p = Platforms.of(c);
        assertEquals(300, p.cpuCount());
        FirmwareImage img = Firmware.build(p);
        assertTrue(img.blob("APIC").isPresent());
    }

    @Test
    void topologyRules() {
        ConfigTree c = new ConfigTree();
        c.set("cpus", "4");
        assertEquals(new CpuTopology(4, 1, 1), CpuTopology.fromConfig(c)); // sockets default to cpus
        c.set("cores", "2");
        assertThrows(ConfigException.class, () -> CpuTopology.fromConfig(c)); // 4 sockets * 2 cores != 4
        c.set("sockets", "2");
        assertEquals(new CpuTopology(2, 2, 1), CpuTopology.fromConfig(c));
        ConfigTree noCpus = new ConfigTree();
        noCpus.set("sockets", "2");
        noCpus.set("threads", "2");
        assertEquals(4, CpuTopology.fromConfig(noCpus).cpus());
        ConfigTree zero = new ConfigTree();
        zero.set("cpus", "0");
        assertThrows(ConfigException.class, () -> CpuTopology.fromConfig(zero));
        ConfigTree text = new ConfigTree();
        text.set("cpus", "two");
        assertThrows(ConfigException.class, () -> CpuTopology.fromConfig(text));
    }


    @Test
    void cpuIdentityFromCpuinfo() {
        String cpuinfo = """
                processor\t: 0
                vendor_id\t: AuthenticAMD
                cpu family\t: 25
                model\t\t: 33
                model name\t: AMD Ryzen 9 5950X 16-Core Processor
                stepping\t: 0
                flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx

                processor\t: 1
                vendor_id\t: Other
                """;
        CpuIdentity id = CpuIdentity.fromCpuinfo(cpuinfo);
        assertEquals("AuthenticAMD", id.manufacturer());
        assertEquals("AMD Ryzen 9 5950X 16-Core Processor", id.version());
        assertEquals(0x00A20F10, id.signature()); // family 0x19 = 0xF + 0xA, model 0x21
        assertEquals(0x178BFBFF, id.features());
        assertEquals(0x000906EA, CpuIdentity.signature(6, 158, 10));
    }
}
