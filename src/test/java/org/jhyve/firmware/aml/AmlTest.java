package org.jhyve.firmware.aml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class AmlTest {
    private static byte[] hex(String s) { return HexFormat.of().parseHex(s.replace(" ", "")); }

    @Test
    void nameStringsArePaddedAndPrefixed() {
        assertArrayEquals("_HID".getBytes(), Aml.nameString("_HID"));
        assertArrayEquals("_S5_".getBytes(), Aml.nameString("_S5"));
        assertArrayEquals(hex("5c 5f 53 42 5f"), Aml.nameString("\\_SB"));
        assertArrayEquals(hex("5c 2e 5f 53 42 5f 50 43 49 30"), Aml.nameString("\\_SB.PCI0"));
        assertArrayEquals(hex("2f 03 5f 53 42 5f 50 43 49 30 49 53 41 5f"), Aml.nameString("_SB.PCI0.ISA"));
        assertArrayEquals(hex("5e 5e 46 4f 4f 5f"), Aml.nameString("^^FOO"));
        assertArrayEquals(hex("5c 00"), Aml.nameString("\\"));
    }

    @Test
    void badNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("TOOLONG"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("1ABC"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("_SB..PCI0"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("abc"));
    }

    @Test
    void pkgLengthCountsItselfAndGrowsAtTheLimits() {
        assertArrayEquals(hex("3f"), Aml.pkgLength(62));            // 62 + 1 = 63, the one-byte maximum
        assertArrayEquals(hex("41 04"), Aml.pkgLength(63));         // 63 + 2 = 65 = 0x041
        assertArrayEquals(hex("4f ff"), Aml.pkgLength(0xFFF - 2));  // two-byte maximum 0xFFF
        assertArrayEquals(hex("81 00 01"), Aml.pkgLength(0xFFF - 1)); // 0xFFE + 3 = 0x1001
        assertArrayEquals(hex("cf ff ff ff"), Aml.pkgLength((1 << 28) - 1 - 4)); // four-byte maximum
        assertThrows(IllegalArgumentException.class, () -> Aml.pkgLength(1 << 28));
    }

    @Test
    void integersUseTheShortestEncoding() {
        assertArrayEquals(hex("00"), Aml.integer(0).code());
        assertArrayEquals(hex("01"), Aml.integer(1).code());
        assertArrayEquals(hex("ff"), Aml.integer(-1).code());
        assertArrayEquals(hex("0a 05"), Aml.integer(5).code());
        assertArrayEquals(hex("0b 00 01"), Aml.integer(0x100).code());
        assertArrayEquals(hex("0c ff ff 1f 00"), Aml.integer(0x1FFFFF).code());
        assertArrayEquals(hex("0e 00 00 00 00 08 00 00 00"), Aml.integer(0x800000000L).code());
    }

    @Test
    void eisaIdMatchesAslsMacro() {
        assertEquals(0x030AD041L, Aml.eisaIdValue("PNP0A03"));
        assertEquals(0x080AD041L, Aml.eisaIdValue("PNP0A08"));
        assertEquals(0x0105D041L, Aml.eisaIdValue("PNP0501"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaIdValue("pnp0a03"));
    }

    @Test
    void namedObjectsAndStatements() {
        // Name (_S5, Package () {5, 0})
        assertArrayEquals(hex("08 5f 53 35 5f 12 05 02 0a 05 00"),
                Aml.name("_S5", Aml.pkg(Aml.integer(5), Aml.integer(0))).code());
        // Method (_PIC, 1) { Store (Arg0, PICM) }
        assertArrayEquals(hex("14 0c 5f 50 49 43 01 70 68 50 49 43 4d"),
                Aml.method("_PIC", 1, false, Aml.store(Aml.arg(0), Aml.reference("PICM"))).code());
        // Method (FOO, 0, Serialized) { Return (Local2) }
        assertArrayEquals(hex("14 08 46 4f 4f 5f 08 a4 62"),
                Aml.method("FOO", 0, true, Aml.ret(Aml.local(2))).code());
        assertArrayEquals(hex("5b 82 0c 44 45 56 30 08 5f 55 49 44 0a 07"),
                Aml.device("DEV0", Aml.name("_UID", Aml.integer(7))).code());
        assertArrayEquals(hex("10 06 5c 5f 53 42 5f"), Aml.scope("\\_SB").code());
        assertArrayEquals(hex("0d 61 62 00"), Aml.string("ab").code());
        assertArrayEquals(hex("11 05 0a 02 aa bb"), Aml.buffer(new byte[] {(byte) 0xAA, (byte) 0xBB}).code());
        assertThrows(IllegalArgumentException.class, () -> Aml.string("\u00e9"));
    }

    @Test
    void largePackagesUseVarPackageAndLongLengths() {
        List<Term> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) many.add(Aml.integer(0x12345678));
        byte[] code = Aml.pkg(many).code();
        assertEquals(0x13, code[0] & 0xFF);                 // VarPackageOp
        assertEquals(1, (code[1] & 0xC0) >> 6);             // two-byte PkgLength: 3 + 1500 + 2 bytes
        int length = (code[1] & 0x0F) | (code[2] & 0xFF) << 4;
        assertEquals(code.length - 1, length);
        assertArrayEquals(hex("0b 2c 01"), java.util.Arrays.copyOfRange(code, 3, 6)); // 300 elements
    }

    @Test
    void resourceDescriptors() {
        assertArrayEquals(hex("47 01 f8 03 f8 03 01 08 22 10 00 79 00"),
                new ResourceTemplate().io(0x3F8, 8).irqNoFlags(4).bytes());
        assertArrayEquals(hex("88 0d 00 02 0c 00 0000 0000 ff00 0000 0001 79 00"),
                new ResourceTemplate().wordBusNumber(0, 255).bytes());
        assertArrayEquals(hex("88 0d 00 01 0c 03 0000 0020 ffff 0000 00e0 79 00"),
                new ResourceTemplate().wordIo(0x2000, 0xFFFF).bytes());
        assertArrayEquals(hex("87 17 00 00 0c 01 00000000 000000c0 ffffffdf 00000000 00000020 79 00"),
                new ResourceTemplate().dwordMemory(0xC0000000L, 0xDFFFFFFFL).bytes());
        assertArrayEquals(hex("8a 2b 00 00 0c 01 0000000000000000 0000000008000000 ffffffff0f000000"
                        + " 0000000000000000 0000000008000000 79 00"),
                new ResourceTemplate().qwordMemory(0x800000000L, 0xFFFFFFFFFL).bytes());
        assertArrayEquals(hex("86 09 00 01 000000e0 00000010 79 00"),
                new ResourceTemplate().memory32Fixed(true, 0xE0000000L, 0x10000000L).bytes());
        assertArrayEquals(hex("89 06 00 07 01 14000000 79 00"),
                new ResourceTemplate().interrupt(false, true, false, List.of(20L)).bytes()); // edge, low, exclusive
        assertArrayEquals(hex("23 00 02 18 79 00"), new ResourceTemplate().irq(true, true, true, 9).bytes());
        assertArrayEquals(hex("11 08 0a 05 22 10 00 79 00"), new ResourceTemplate().irqNoFlags(4).toBuffer().code());
    }

    @Test
    void impossibleResourcesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().irqNoFlags(16));
        assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().io(0x10000, 1));
        assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().wordIo(0, 0xFFFF));
        assertThrows(IllegalArgumentException.class, () -> new ResourceTemplate().dwordMemory(0x2000, 0x1000));
    }
}
