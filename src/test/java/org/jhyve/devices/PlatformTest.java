package org.jhyve.devices;

import org.jhyve.bus.Bus;
import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;
import org.jhyve.devices.lpc.I8042;
import org.jhyve.devices.lpc.LpcBridge;
import org.jhyve.devices.lpc.PcTestDev;
import org.jhyve.devices.lpc.PmRegisters;
import org.jhyve.devices.lpc.UartBackend;
import org.jhyve.devices.pci.BarKind;
import org.jhyve.devices.pci.PciConfigSpace;
import org.jhyve.devices.pci.PciDevice;
import org.jhyve.devices.pci.PciRoot;
import org.jhyve.vm.ExitStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PlatformTest {
    @TempDir Path dir;
    private ConfigTree config;
    private Bus pio, mmio;
    private Fakes.Irqs irqs;
    private Fakes.Vm vm;
    private final List<Integer> exits = new ArrayList<>();

    @BeforeEach
    void setUp() {
        config = new ConfigTree();
        pio = Fakes.bus("pio");
        mmio = Fakes.bus("mmio");
        irqs = new Fakes.Irqs();
        vm = new Fakes.Vm();
    }

    private DeviceContext ctx() {
        HostHooks hooks = new HostHooks() {
            @Override public Runnable rawStdin() { return () -> { }; }

            @Override public Runnable rawTerminal(Path tty) { return () -> { }; }

            @Override public UartBackend openPty(String portName) { throw new ConfigException("no pty in tests"); }

            @Override public void exitProcess(int status) { exits.add(status); }
        };
        return new DeviceContext(config, "", pio, mmio, irqs, (a, d) -> { }, vm, 256L << 20, 0, hooks, null, null, null);
    }

    private Platform build() { return Platform.build(ctx(), DeviceRegistry.standard()); }

    /** Fresh buses, as a new VM would have after a refused configuration. */
    private void freshBuses() {
        pio = Fakes.bus("pio");
        mmio = Fakes.bus("mmio");
    }

    private long cfg(int slot, int reg, int size) {
        pio.write(0xCF8, 4, 0x80000000L | slot << 11 | (reg & ~3));
        return pio.read(0xCFC + (reg & 3), size);
    }

    @Test
    void vmrunLayoutHostbridgeAndLpcWithConsoleLog() throws Exception {
        Path log = dir.resolve("com1.log");
        config.set("pci.0.0.0.device", "hostbridge");
        config.set("pci.0.31.0.device", "lpc");
        config.set("lpc.com1.path", log.toString());
        try (Platform p = build()) {
            assertEquals(0x12751275L, cfg(0, 0, 4));
            assertEquals(0x06000000L, cfg(0, 8, 4) & 0xFFFFFF00L);
            assertEquals(0x70008086L, cfg(31, 0, 4));
            assertEquals(0x06010000L, cfg(31, 8, 4) & 0xFFFFFF00L);
            assertEquals(0xFFFFFFFFL, cfg(1, 0, 4));
            for (byte c : "hi".getBytes()) pio.write(0x3F8, 1, c);
            assertEquals("hi", Files.readString(log));
            assertEquals(4, p.lpc().uarts().size());
            assertNotNull(pio.find(0x2F8));
            assertNotNull(pio.find(0x3EF));
            assertNotNull(pio.find(0x2E8));
            assertNull(p.lpc().testDev());
            assertNull(pio.find(PcTestDev.DEBUG_EXIT));
        }
    }

    @Test
    void platformDevicesAreThereEvenWithoutLpc() {
        try (Platform p = build()) {
            assertNull(p.lpc());
            assertNull(pio.find(0x3F8), "COM ports come with the LPC bridge only");
            pio.write(0xAA, 1, 0);   // unclaimed
            pio.write(0x64, 1, 0xAA);
            assertEquals(0x55, pio.read(I8042.DATA, 1));
            pio.write(0x70, 1, 0x0D);
            assertEquals(0x80, pio.read(0x71, 1));
            pio.write(0x80, 1, 0x42);
            assertEquals(0x42, p.port80().lastCode());
            assertNotNull(pio.find(PmRegisters.PM_TMR));
            assertNotNull(mmio.find(PciRoot.ECAM_BASE));
        }
    }

    @Test
    void resetThroughCf9WithPciConfigPortsAround() {
        try (Platform p = build()) {
            pio.write(0xCF8, 4, 0x80000000L);
            pio.write(0xCF9, 1, 0x06);
            assertEquals(ExitStatus.REBOOT, vm.first());
            assertEquals(0x80000000L, pio.read(0xCF8, 4), "the latch did not see the byte write");
        }
    }

    @Test
    void s5AndPowerButtonThroughThePlatform() {
        try (Platform p = build()) {
            assertFalse(p.pressPowerButton());
            pio.write(PmRegisters.SMI_CMD, 1, PmRegisters.ACPI_ENABLE);
            pio.write(PmRegisters.PM1A_EVT + 2, 2, PmRegisters.PWRBTN_EN);
            assertTrue(p.pressPowerButton());
            assertTrue(irqs.apply(9).level, "SCI on IRQ 9");
            pio.write(PmRegisters.PM1A_CNT, 2, 5 << 10 | PmRegisters.SLP_EN);
            assertEquals(ExitStatus.POWEROFF, vm.first());
        }
    }

    @Test
    void amdHostbridgeAndPciregOverrides() {
        config.set("pci.0.0.0.device", "amd_hostbridge");
        config.set("pci.0.1.0.device", "hostbridge");
        config.set("pci.0.1.0.pcireg.vendor", "0x8086");
        config.set("pci.0.1.0.pcireg.device", "0x1237");
        try (Platform p = build()) {
            assertEquals(0x74321022L, cfg(0, 0, 4));
            assertEquals(0x12378086L, cfg(1, 0, 4));
            int cap = (int) cfg(0, PciConfigSpace.CAP_PTR, 1);
            assertEquals(0x10, cfg(0, cap, 1), "PCI Express capability");
            assertEquals(0x42, cfg(0, cap + 2, 1), "root port, version 2");
        }
    }

    @Test
    void badPciregIsRefused() {
        config.set("pci.0.0.0.device", "hostbridge");
        config.set("pci.0.0.0.pcireg.vendor", "0x12345");
        assertThrows(ConfigException.class, this::build);
    }

    @Test
    void unimplementedBhyveEmulationIsRefusedWithItsAddress() {
        config.set("pci.0.3.0.device", "hda");
        ConfigException e = assertThrows(ConfigException.class, this::build);
        assertEquals("pci 0:3:0: emulation 'hda' is not implemented in jhyve yet", e.getMessage());
    }

    @Test
    void unknownEmulationAndMissingDevice() {
        config.set("pci.0.3.0.device", "frobnicator");
        ConfigException e = assertThrows(ConfigException.class, this::build);
        assertTrue(e.getMessage().contains("unknown device \"frobnicator\""), e.getMessage());
        config.unset("pci.0.3.0.device");
        config.set("pci.0.3.0.path", "x");
        freshBuses();
        e = assertThrows(ConfigException.class, this::build);
        assertTrue(e.getMessage().contains("missing \"device\""), e.getMessage());
    }

    @Test
    void lpcOnlyOnceAndOnlyOnBusZero() {
        config.set("pci.0.1.0.device", "lpc");
        config.set("pci.0.2.0.device", "lpc");
        ConfigException e = assertThrows(ConfigException.class, this::build);
        assertEquals("Only one LPC bridge is allowed.", e.getMessage());
        config.unset("pci.0.1.0.device");
        config.unset("pci.0.2.0.device");
        config.set("pci.1.1.0.device", "lpc");
        freshBuses();
        e = assertThrows(ConfigException.class, this::build);
        assertEquals("LPC bridge can be present only on bus 0.", e.getMessage());
    }

    @Test
    void badSlotNumbersAreRefused() {
        config.set("pci.0.32.0.device", "hostbridge");
        assertThrows(ConfigException.class, this::build);
    }

    @Test
    void pcTestDevOnRequest() {
        config.set("pci.0.1.0.device", "lpc");
        config.set("lpc.pc-testdev", "true");
        try (Platform p = build()) {
            assertNotNull(p.lpc().testDev());
            pio.write(PcTestDev.DEBUG_EXIT, 1, 3);
            assertEquals(List.of(7), exits);
        }
    }

    @Test
    void lpcPirqRegistersByteWritesOnly() {
        config.set("pci.0.1.0.device", "lpc");
        try (Platform p = build()) {
            assertEquals(0x80808080L, cfg(1, 0x60, 4));
            assertEquals(0x80808080L, cfg(1, 0x68, 4));
            pio.write(0xCF8, 4, 0x80000000L | 1 << 11 | 0x60);
            pio.write(0xCFC + 1, 1, 0x7B);
            assertEquals(0x0B, cfg(1, 0x61, 1));
            assertEquals(0x0B, p.pci().pirq().read(1));
            pio.write(0xCF8, 4, 0x80000000L | 1 << 11 | 0x68);
            pio.write(0xCFC + 3, 1, 0x05);
            assertEquals(0x05, p.pci().pirq().read(7));
            assertEquals(0x05808080L, cfg(1, 0x68, 4));
            pio.write(0xCF8, 4, 0x80000000L | 1 << 11 | 0x60);
            pio.write(0xCFC, 4, 0x01010101L);   // not a byte write: not a routing change
            assertEquals(PirqRouterDisabled(), p.pci().pirq().read(0));
            p.pci().pirq().write(2, 0x0E);   // e.g. restored state
            assertEquals(0x0E, cfg(1, 0x62, 1));
        }
    }

    private static int PirqRouterDisabled() { return org.jhyve.devices.pci.PirqRouter.DISABLED; }

    @Test
    void comIrqsAreSharedBetweenCom1AndCom3() {
        config.set("pci.0.1.0.device", "lpc");
        try (Platform p = build()) {
            pio.write(0x3F9, 1, 0x02);   // COM1: THRE interrupt
            assertTrue(irqs.apply(4).level);
            pio.write(0x3E9, 1, 0x02);   // COM3 too
            pio.read(0x3FA, 1);           // COM1 acknowledges THRE by reading IIR
            assertTrue(irqs.apply(4).level, "COM3 still pending");
            pio.read(0x3EA, 1);
            assertFalse(irqs.apply(4).level);
            pio.write(0x2F9, 1, 0x02);
            assertTrue(irqs.apply(3).level, "COM2 on IRQ 3");
        }
    }

    /** A device with BARs, to see assignment and decoding from the platform. */
    static final class BarDevice extends PciDevice {
        BarDevice() {
            super("bars", PciConfigSpace.type0(0x1AF4, 0x1001, 0x010000, 0));
            declareBar(0, BarKind.IO, false, 0x40);
            declareBar(1, BarKind.MEM32, false, 0x1000);
            declareIntxPin(1);
        }

        @Override protected long barRead(int bar, long offset, int size) { return 0xB0 + bar; }

        @Override protected void barWrite(int bar, long offset, int size, long value) { }
    }

    @Test
    void barsAreAssignedAndDecodedWithoutBootRom() {
        DeviceRegistry r = DeviceRegistry.standard();
        r.register("test-bars", c -> new BarDevice());
        config.set("pci.0.0.0.device", "hostbridge");
        config.set("pci.0.4.0.device", "test-bars");
        try (Platform p = Platform.build(ctx(), r)) {
            assertEquals(0x2001L, cfg(4, 0x10, 4));
            assertEquals(0xC0000000L, cfg(4, 0x14, 4));
            assertEquals(0xB0, pio.read(0x2000, 1));
            assertEquals(0xB1, mmio.read(0xC0000000L, 4));
            assertEquals(20, cfg(4, PciConfigSpace.INT_LINE, 1));
            assertEquals(1, p.windows().size());
        }
    }

    @Test
    void bootRomLeavesDecodingToTheFirmware() {
        DeviceRegistry r = DeviceRegistry.standard();
        r.register("test-bars", c -> new BarDevice());
        config.set("pci.0.4.0.device", "test-bars");
        config.set("lpc.bootrom", "/x/BHYVE_UEFI.fd");
        try (Platform p = Platform.build(ctx(), r)) {
            assertEquals(0, cfg(4, PciConfigSpace.COMMAND, 2));
            assertEquals(0x2001L, cfg(4, 0x10, 4), "addresses are still assigned");
            assertEquals(0xFF, pio.read(0x2000, 1));
        }
    }

    @Test
    void devicesAreCreatedInNumericOrder() {
        DeviceRegistry r = DeviceRegistry.standard();
        List<String> order = new ArrayList<>();
        r.register("probe", c -> {
            order.add(c.node());
            return new BarDevice();
        });
        for (String n : List.of("pci.0.10.0", "pci.0.2.0", "pci.0.2.1", "pci.1.0.0")) config.set(n + ".device", "probe");
        try (Platform p = Platform.build(ctx(), r)) {
            assertEquals(List.of("pci.0.2.0", "pci.0.2.1", "pci.0.10.0", "pci.1.0.0"), order);
            assertEquals(0x80, cfg(2, PciConfigSpace.HEADER_TYPE, 1));
        }
    }
}
