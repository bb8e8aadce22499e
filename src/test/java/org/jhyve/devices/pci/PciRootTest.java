package org.jhyve.devices.pci;

import org.jhyve.bus.Bus;
import org.jhyve.devices.Fakes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.jhyve.devices.pci.PciConfigSpace.*;
import static org.junit.jupiter.api.Assertions.*;

class PciRootTest {
    private Bus pio, mmio;
    private Fakes.Irqs irqs;
    private PciRoot root;

    @BeforeEach
    void setUp() {
        pio = Fakes.bus("pio");
        mmio = Fakes.bus("mmio");
        irqs = new Fakes.Irqs();
        root = new PciRoot(pio, mmio, irqs);
        root.registerConfigAccess();
    }

    private static int cf8(int bus, int slot, int fn, int reg) {
        return 0x80000000 | bus << 16 | slot << 11 | fn << 8 | reg;
    }

    private long cfgRead(int bus, int slot, int fn, int reg, int size) {
        pio.write(0xCF8, 4, cf8(bus, slot, fn, reg & ~3));
        return pio.read(0xCFC + (reg & 3), size);
    }

    private void cfgWrite(int bus, int slot, int fn, int reg, int size, long value) {
        pio.write(0xCF8, 4, cf8(bus, slot, fn, reg & ~3));
        pio.write(0xCFC + (reg & 3), size, value);
    }

    private static long ecam(int bus, int slot, int fn, int reg) {
        return PciRoot.ECAM_BASE + ((long) bus << 20 | slot << 15 | fn << 12 | reg);
    }

    @Test
    void mechanism1ReadsDwordsWordsAndBytes() {
        root.add(0, 3, 0, new TestFunction("t"));
        assertEquals(0x10001AF4L, cfgRead(0, 3, 0, 0, 4));
        assertEquals(0x1AF4, cfgRead(0, 3, 0, 0, 2));
        assertEquals(0x1000, cfgRead(0, 3, 0, 2, 2));
        assertEquals(0xF4, cfgRead(0, 3, 0, 0, 1));
        assertEquals(0x1A, cfgRead(0, 3, 0, 1, 1));
        assertEquals(0x10, cfgRead(0, 3, 0, 3, 1));
        assertEquals(0x02, cfgRead(0, 3, 0, 0x0B, 1), "class code byte through 0xCFF");
    }

    @Test
    void addressLatchReadsBackAndIgnoresNarrowAccesses() {
        pio.write(0xCF8, 4, cf8(1, 2, 3, 0x44) | 0x3);
        assertEquals(cf8(1, 2, 3, 0x44) & 0xFFFFFFFFL, pio.read(0xCF8, 4), "low two bits dropped");
        pio.write(0xCF8, 2, 0);
        assertEquals(cf8(1, 2, 3, 0x44) & 0xFFFFFFFFL, pio.read(0xCF8, 4));
        assertEquals(0xFFFF, pio.read(0xCF8, 2));
        assertEquals(0xFF, pio.read(0xCF8, 1));
    }

    @Test
    void port0xCF9IsLeftForTheResetRegister() {
        assertNull(pio.find(0xCF9));
        assertNotNull(pio.find(0xCF8));
        assertNotNull(pio.find(0xCFF));
    }

    @Test
    void disabledLatchOrMissingFunctionReadsAllOnes() {
        root.add(0, 3, 0, new TestFunction("t"));
        pio.write(0xCF8, 4, cf8(0, 3, 0, 0) & 0x7FFFFFFF);
        assertEquals(0xFFFFFFFFL, pio.read(0xCFC, 4));
        assertEquals(0xFFFFFFFFL, cfgRead(0, 4, 0, 0, 4));
        assertEquals(0xFFFFL, cfgRead(0, 3, 1, 0, 2));
        assertEquals(0xFFL, cfgRead(1, 3, 0, 0, 1));
    }

    @Test
    void unalignedAndCrossingAccessesReadAllOnesAndDropWrites() {
        TestFunction t = new TestFunction("t");
        root.add(0, 3, 0, t);
        assertEquals(0xFFFF, cfgRead(0, 3, 0, 1, 2), "word at 0xCFD");
        assertEquals(0xFFFF, cfgRead(0, 3, 0, 3, 2), "word at 0xCFF crosses the window");
        pio.write(0xCF8, 4, cf8(0, 3, 0, 0));
        assertEquals(0xFFFFFFFFL, pio.read(0xCFE, 4), "dword at 0xCFE");
        cfgWrite(0, 3, 0, 0x3D, 2, 0x1234);   // unaligned word into INT_LINE/INT_PIN
        assertEquals(0xFF, t.config().get8(INT_LINE));
    }

    @Test
    void ecamDecodesBusSlotFunctionAndRegister() {
        TestFunction a = new TestFunction("a"), b = new TestFunction("b");
        root.add(0, 31, 7, a);
        root.add(5, 1, 2, b);
        b.config().set32(0xFFC, 0xCAFEF00D);
        assertEquals(0x10001AF4L, mmio.read(ecam(0, 31, 7, 0), 4));
        assertEquals(0xCAFEF00DL, mmio.read(ecam(5, 1, 2, 0xFFC), 4), "extended space through ECAM");
        assertEquals(0xFEL, mmio.read(ecam(5, 1, 2, 0xFFE), 1));
        assertEquals(0xFFFFFFFFL, mmio.read(ecam(5, 1, 3, 0), 4));
        assertEquals(0xFFFFL, mmio.read(ecam(0, 31, 7, 1), 2), "unaligned");
        assertEquals(-1L, mmio.read(ecam(0, 31, 7, 0), 8), "8-byte accesses are not config cycles");
        mmio.write(ecam(0, 31, 7, INT_LINE), 1, 0x0B);
        assertEquals(0x0B, a.config().get8(INT_LINE));
    }

    @Test
    void mechanism1CannotReachExtendedSpaceButEcamCan() {
        TestFunction t = new TestFunction("t");
        root.add(0, 2, 0, t);
        t.config().set32(0x100, 0x12345678);
        pio.write(0xCF8, 4, cf8(0, 2, 0, 0) | 0x0F000000);   // AMD-style extended bits are not decoded
        assertEquals(0x10001AF4L, pio.read(0xCFC, 4));
        assertEquals(0x12345678L, mmio.read(ecam(0, 2, 0, 0x100), 4));
    }

    @Test
    void multifunctionBitFollowsTheSlotsPopulation() {
        root.add(0, 4, 0, new TestFunction("f0"));
        assertEquals(0x00, cfgRead(0, 4, 0, HEADER_TYPE, 1));
        root.add(0, 4, 3, new TestFunction("f3"));
        assertEquals(0x80, cfgRead(0, 4, 0, HEADER_TYPE, 1));
        assertEquals(0x80, cfgRead(0, 4, 3, HEADER_TYPE, 1));
        assertEquals(0x0080_0000L, cfgRead(0, 4, 0, 0x0C, 4) & 0x00FF_0000L, "bit seen in a dword read");
        assertEquals(0x80, cfgRead(0, 4, 0, 0x0E, 2) & 0x00FF, "header type is the low byte of word 0x0E");
    }

    @Test
    void addressTakenTwiceIsRefused() {
        root.add(0, 4, 0, new TestFunction("a"));
        assertThrows(IllegalStateException.class, () -> root.add(0, 4, 0, new TestFunction("b")));
    }

    @Test
    void barSizingReturnsTheSizeMaskAndTypeBits() {
        TestFunction t = new TestFunction("t").bar(0, BarKind.IO, 0x20).bar(1, BarKind.MEM32, 0x1000)
                .prefetchBar(2, 0x4000_0000L).bar(4, BarKind.MEM32, 3);
        root.add(0, 3, 0, t);
        cfgWrite(0, 3, 0, BAR0, 4, 0xFFFFFFFFL);
        assertEquals(0xFFFFFFE1L, cfgRead(0, 3, 0, BAR0, 4));
        cfgWrite(0, 3, 0, BAR0 + 4, 4, 0xFFFFFFFFL);
        assertEquals(0xFFFFF000L, cfgRead(0, 3, 0, BAR0 + 4, 4));
        cfgWrite(0, 3, 0, BAR0 + 8, 4, 0xFFFFFFFFL);
        cfgWrite(0, 3, 0, BAR0 + 12, 4, 0xFFFFFFFFL);
        assertEquals(0xC000000CL, cfgRead(0, 3, 0, BAR0 + 8, 4), "1 GiB, 64-bit, prefetchable");
        assertEquals(0xFFFFFFFFL, cfgRead(0, 3, 0, BAR0 + 12, 4));
        cfgWrite(0, 3, 0, BAR0 + 16, 4, 0xFFFFFFFFL);
        assertEquals(0xFFFFFFF0L, cfgRead(0, 3, 0, BAR0 + 16, 4), "3 bytes round up to the 16-byte minimum");
        cfgWrite(0, 3, 0, BAR0 + 20, 4, 0xFFFFFFFFL);
        assertEquals(0L, cfgRead(0, 3, 0, BAR0 + 20, 4), "unimplemented BAR reads 0");
        cfgWrite(0, 3, 0, ROM, 4, 0xFFFFFFFFL);
        assertEquals(0L, cfgRead(0, 3, 0, ROM, 4), "no expansion ROM");
    }

    @Test
    void narrowBarWritesAreIgnored() {
        TestFunction t = new TestFunction("t").bar(1, BarKind.MEM32, 0x1000);
        root.add(0, 3, 0, t);
        cfgWrite(0, 3, 0, BAR0 + 4, 4, 0xC0001000L);
        cfgWrite(0, 3, 0, BAR0 + 6, 2, 0xD000);
        assertEquals(0xC0001000L, cfgRead(0, 3, 0, BAR0 + 4, 4));
    }

    @Test
    void decodingOnlyWhileTheCommandRegisterEnablesIt() {
        TestFunction t = new TestFunction("t").bar(0, BarKind.IO, 0x20).bar(1, BarKind.MEM32, 0x1000);
        root.add(0, 3, 0, t);
        cfgWrite(0, 3, 0, BAR0, 4, 0x3000);
        cfgWrite(0, 3, 0, BAR0 + 4, 4, 0xC0100000L);
        assertNull(pio.find(0x3000));
        cfgWrite(0, 3, 0, COMMAND, 2, CMD_IO);
        assertNotNull(pio.find(0x3000));
        assertNull(mmio.find(0xC0100000L));
        assertEquals(0x0008, pio.read(0x3008, 2), "I/O BAR 0 served by the device");
        assertEquals("r0@8/2", t.accesses.getLast());
        cfgWrite(0, 3, 0, COMMAND, 2, CMD_IO | CMD_MEMORY);
        assertEquals(0x1010, mmio.read(0xC0100010L, 4), "memory BAR 1 served by the device");
        mmio.write(0xC0100004L, 4, 0xAB);
        assertEquals("w1@4/4=ab", t.accesses.getLast());
        cfgWrite(0, 3, 0, COMMAND, 2, CMD_MEMORY);
        assertNull(pio.find(0x3000), "I/O decode off");
        assertNotNull(mmio.find(0xC0100FFFL));
    }

    @Test
    void reprogrammingABarMovesItsRegion() {
        TestFunction t = new TestFunction("t").bar(1, BarKind.MEM32, 0x1000);
        root.add(0, 3, 0, t);
        cfgWrite(0, 3, 0, BAR0 + 4, 4, 0xC0000000L);
        cfgWrite(0, 3, 0, COMMAND, 2, CMD_MEMORY);
        assertNotNull(mmio.find(0xC0000000L));
        cfgWrite(0, 3, 0, BAR0 + 4, 4, 0xC0200123L);   // low bits below the size are dropped
        assertEquals(0xC0200000L, cfgRead(0, 3, 0, BAR0 + 4, 4));
        assertNull(mmio.find(0xC0000000L));
        assertNotNull(mmio.find(0xC0200000L));
        assertEquals(java.util.List.of("1:ffffffffffffffff->c0000000", "1:c0000000->c0200000"), t.moves);
        assertEquals(0xC0200000L, t.bars().getFirst().mappedAt());
    }

    @Test
    void sixtyFourBitBarMovesWithEitherHalf() {
        TestFunction t = new TestFunction("t").prefetchBar(2, 0x10000);
        root.add(0, 3, 0, t);
        cfgWrite(0, 3, 0, COMMAND, 2, CMD_MEMORY);
        cfgWrite(0, 3, 0, BAR0 + 8, 4, 0xC0000000L);
        assertNotNull(mmio.find(0xC0000000L));
        cfgWrite(0, 3, 0, BAR0 + 12, 4, 0x8);
        assertNull(mmio.find(0xC0000000L));
        assertNotNull(mmio.find(0x8_C000_0000L));
        assertEquals(0x8_C000_0000L, t.bars().getFirst().address());
        assertEquals(0xC000000CL, cfgRead(0, 3, 0, BAR0 + 8, 4));
        assertEquals(0x8L, cfgRead(0, 3, 0, BAR0 + 12, 4));
    }

    @Test
    void sizingWithDecodeOnDoesNotClaimBogusAddresses() {
        TestFunction t = new TestFunction("t").bar(0, BarKind.IO, 0x100).bar(1, BarKind.MEM32, 0x1000);
        TestFunction other = new TestFunction("o").bar(1, BarKind.MEM32, 0x1000);
        root.add(0, 3, 0, t);
        root.add(0, 4, 0, other);
        cfgWrite(0, 4, 0, BAR0 + 4, 4, 0xC0000000L);
        cfgWrite(0, 4, 0, COMMAND, 2, CMD_MEMORY);
        cfgWrite(0, 3, 0, COMMAND, 2, CMD_IO | CMD_MEMORY);
        cfgWrite(0, 3, 0, BAR0, 4, 0xFFFFFFFFL);
        assertNull(pio.find(0xFF00), "I/O BAR past 0xFFFF is not mapped");
        cfgWrite(0, 3, 0, BAR0 + 4, 4, 0xC0000000L);   // clashes with the other function
        assertFalse(t.bars().get(1).mapped());
        assertTrue(other.bars().getFirst().mapped(), "the other function keeps its region");
        cfgWrite(0, 3, 0, BAR0 + 4, 4, 0xC0001000L);
        assertTrue(t.bars().get(1).mapped());
    }

    @Test
    void intxWiresSlotAndPinToTheSwizzledGsi() {
        assertEquals(16, PciRoot.intxGsi(0, 1));
        assertEquals(19, PciRoot.intxGsi(3, 1));
        assertEquals(20, PciRoot.intxGsi(3, 2));
        assertEquals(16, PciRoot.intxGsi(7, 2));
        assertEquals(23, PciRoot.intxGsi(31, 1));
        TestFunction t = new TestFunction("t").pin(2);
        root.add(0, 3, 0, t);
        assertEquals(20, cfgRead(0, 3, 0, INT_LINE, 1));
        assertEquals(2, cfgRead(0, 3, 0, INT_PIN, 1));
        t.intx(true);
        assertTrue(irqs.apply(20).level);
        assertEquals(STATUS_INTX, cfgRead(0, 3, 0, STATUS, 2) & STATUS_INTX);
        t.intx(false);
        assertFalse(irqs.apply(20).level);
        assertEquals(0, cfgRead(0, 3, 0, STATUS, 2) & STATUS_INTX);
    }

    @Test
    void functionsWithoutPinKeepInterruptLine255() {
        root.add(0, 3, 0, new TestFunction("t"));
        assertEquals(0xFF, cfgRead(0, 3, 0, INT_LINE, 1));
        assertEquals(0, cfgRead(0, 3, 0, INT_PIN, 1));
    }

    @Test
    void sharedGsiStaysUpUntilTheLastFunctionDrops() {
        TestFunction a = new TestFunction("a").pin(1), b = new TestFunction("b").pin(1);
        root.add(0, 3, 0, a);
        root.add(0, 11, 0, b);   // (11 + 0) % 8 == 3 as well
        assertEquals(19, a.config().get8(INT_LINE));
        assertEquals(19, b.config().get8(INT_LINE));
        a.intx(true);
        b.intx(true);
        a.intx(false);
        assertTrue(irqs.apply(19).level);
        b.intx(false);
        assertFalse(irqs.apply(19).level);
        assertEquals(1, irqs.apply(19).rises);
    }

    @Test
    void intxDisableMasksAndUnmaskingReassertsAPendingRequest() {
        TestFunction t = new TestFunction("t").pin(1);
        root.add(0, 3, 0, t);
        t.intx(true);
        cfgWrite(0, 3, 0, COMMAND, 2, CMD_INTX_DISABLE);
        assertFalse(irqs.apply(19).level);
        assertEquals(STATUS_INTX, cfgRead(0, 3, 0, STATUS, 2) & STATUS_INTX, "status still shows the request");
        cfgWrite(0, 3, 0, COMMAND, 2, 0);
        assertTrue(irqs.apply(19).level);
    }

    @Test
    void pirqRoutingAlsoDrivesTheIsaIrq() {
        TestFunction t = new TestFunction("t").pin(1);
        root.add(0, 3, 0, t);   // GSI 19 = PIRQD
        PirqRouter pirq = root.pirq();
        assertEquals(PirqRouter.DISABLED, pirq.read(3));
        t.intx(true);
        assertFalse(irqs.apply(11).level);
        pirq.write(3, 0x7B);   // bits 4-6 are not kept
        assertEquals(0x0B, pirq.read(3));
        assertTrue(irqs.apply(11).level, "routing an active PIRQ asserts its IRQ at once");
        pirq.write(3, 0x0A);
        assertFalse(irqs.apply(11).level);
        assertTrue(irqs.apply(10).level);
        t.intx(false);
        assertFalse(irqs.apply(10).level);
        pirq.write(3, 0x08);   // IRQ 8 (RTC) is not permitted
        t.intx(true);
        assertFalse(irqs.apply(8).level);
        assertTrue(irqs.apply(19).level);
    }

    @Test
    void enableDecodingTurnsOnWhatTheBarsNeedAndBusMastering() {
        TestFunction t = new TestFunction("t").bar(1, BarKind.MEM32, 0x1000);
        root.add(0, 3, 0, t);
        root.assignBars(0, true);
        assertEquals(CMD_MEMORY | CMD_BUS_MASTER, cfgRead(0, 3, 0, COMMAND, 2));
        assertNotNull(mmio.find(0xC0000000L));
        assertThrows(IllegalStateException.class, () -> root.assignBars(0, true));
    }
}
