package org.jhyve.devices.pci;

import org.junit.jupiter.api.Test;

import static org.jhyve.devices.pci.PciConfigSpace.*;
import static org.junit.jupiter.api.Assertions.*;

class PciConfigSpaceTest {
    @Test
    void type0HeaderHoldsIdsClassAndNoInterruptLine() {
        PciConfigSpace c = PciConfigSpace.type0(0x8086, 0x7000, 0x060100, 3);
        assertEquals(0x70008086, c.read(0, 4));
        assertEquals(0x06010003, c.read(8, 4));
        assertEquals(0, c.headerType());
        assertEquals(0xFF, c.get8(INT_LINE));
    }

    @Test
    void readOnlyFieldsIgnoreGuestWrites() {
        PciConfigSpace c = PciConfigSpace.type0(0x8086, 0x7000, 0x060100, 0);
        c.guestWrite(VENDOR, 4, 0x12345678);
        c.guestWrite(REVISION, 4, 0xFFFFFFFF);
        assertEquals(0x70008086, c.read(0, 4));
        assertEquals(0x06010000, c.read(8, 4));
    }

    @Test
    void commandKeepsOnlyWritableBits() {
        PciConfigSpace c = PciConfigSpace.type0(1, 2, 0, 0);
        c.guestWrite(COMMAND, 2, 0xFFFF);
        assertEquals(0x077F, c.get16(COMMAND));
    }

    @Test
    void statusErrorBitsAreWriteOneToClear() {
        PciConfigSpace c = PciConfigSpace.type0(1, 2, 0, 0);
        c.set16(STATUS, 0x8010 | 0x2000);   // parity error, master abort, capability list
        c.guestWrite(STATUS, 2, 0x8000 | 0x0010);
        assertEquals(0x2010, c.get16(STATUS), "bit 15 cleared, cap-list bit read-only, bit 13 untouched");
    }

    @Test
    void capabilitiesAreChainedFrom0x40AndDwordAligned() {
        PciConfigSpace c = PciConfigSpace.type0(1, 2, 0, 0);
        int msi = c.addCapability(0x05, new byte[] {0x01, 0x02, 3, 4, 5});   // 7 bytes -> 8
        int vendor = c.addCapability(0x09, new byte[] {0x10});
        assertEquals(0x40, msi);
        assertEquals(0x48, vendor);
        assertEquals(0x40, c.get8(CAP_PTR));
        assertEquals(STATUS_CAP_LIST, c.get16(STATUS) & STATUS_CAP_LIST);
        assertEquals(0x05, c.get8(0x40));
        assertEquals(0x48, c.get8(0x41));
        assertEquals(0x09, c.get8(0x48));
        assertEquals(0x00, c.get8(0x49));
        assertEquals(0x0201, c.get16(0x42));
        assertEquals(0x48, c.findCapability(0x09));
        assertEquals(0, c.findCapability(0x11));
        assertTrue(c.inCapabilities(0x4B));
        assertFalse(c.inCapabilities(0x4C));
    }

    @Test
    void capabilityBodiesAreReadOnlyUntilMarked() {
        PciConfigSpace c = PciConfigSpace.type0(1, 2, 0, 0);
        int off = c.addCapability(0x05, new byte[6]);
        c.guestWrite(off + 4, 4, 0xFEE00000);
        assertEquals(0, c.get32(off + 4));
        c.setWritable(off + 4, 4, 0xFFFFFFFCL);
        c.guestWrite(off + 4, 4, 0xFEE00003);
        assertEquals(0xFEE00000, c.get32(off + 4));
    }

    @Test
    void capabilitySpaceRunsOut() {
        PciConfigSpace c = PciConfigSpace.type0(1, 2, 0, 0);
        c.addCapability(0x10, new byte[150]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.addCapability(0x05, new byte[40]));
        assertTrue(e.getMessage().contains("0x05"), e.getMessage());
    }

    @Test
    void extendedCapabilitiesLinkAbove0x100() {
        PciConfigSpace c = PciConfigSpace.type0(1, 2, 0, 0);
        int aer = c.addExtendedCapability(0x0001, 1, new byte[8]);
        int vsec = c.addExtendedCapability(0x000B, 1, new byte[4]);
        assertEquals(0x100, aer);
        assertEquals(0x10C, vsec);
        assertEquals(0x0001 | 1 << 16 | 0x10C << 20, c.get32(0x100));
        assertEquals(0x000B | 1 << 16, c.get32(0x10C));
    }

    @Test
    void type1HeaderHasWritableBusNumbersAndWindows() {
        PciConfigSpace c = PciConfigSpace.type1(0x8086, 0x1234, 0x060400, 0);
        assertEquals(1, c.headerType());
        c.guestWrite(PRIMARY_BUS, 4, 0x00050100);
        assertEquals(0x00050100, c.get32(PRIMARY_BUS));
        c.guestWrite(MEM_BASE, 4, 0xFFFFFFFF);
        assertEquals(0xFFF0FFF0, c.get32(MEM_BASE));
        c.guestWrite(IO_BASE, 2, 0xFFFF);
        assertEquals(0xF1F1, c.get16(IO_BASE), "32-bit I/O decode bits stay");
    }
}
