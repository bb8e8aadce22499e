package org.jhyve.firmware;

import static org.jhyve.firmware.Bytes.ascii;
import static org.jhyve.firmware.Bytes.sum;
import static org.jhyve.firmware.Bytes.u16;
import static org.jhyve.firmware.Bytes.u32;
import static org.jhyve.firmware.Bytes.u64;
import static org.jhyve.firmware.Bytes.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.jhyve.config.ConfigTree;
import org.junit.jupiter.api.Test;

class SmbiosTest {
    /** A parsed structure: type, handle, formatted area (header included) and strings. */
    record Structure(int type, int handle, byte[] formatted, List<String> strings) {
        String string(int offset) {
            int n = formatted[offset] & 0xFF;
            return n == 0 ? null : strings.get(n - 1);
        }
    }

    static List<Structure> parse(byte[] blob) {
        int at = (int) (u32(blob, 0x18) - Layout.SMBIOS);
        int end = at + u16(blob, 0x16);
        List<Structure> out = new ArrayList<>();
        while (at < end) {
            int length = u8(blob, at + 1);
            byte[] formatted = Arrays.copyOfRange(blob, at, at + length);
            List<String> strings = new ArrayList<>();
            int p = at + length;
            if (blob[p] == 0) {
                p += 2;
            } else {
                while (blob[p] != 0) {
                    int z = p;
                    while (blob[z] != 0) z++;
                    strings.add(new String(blob, p, z - p, StandardCharsets.UTF_8));
                    p = z + 1;
                }
                p++;
            }
            out.add(new Structure(u8(blob, at), u16(blob, at + 2), formatted, strings));
            at = p;
        }
        assertEquals(end, at, "structures must end exactly at the table length");
        return out;
    }

    @Test
    void entryPointIsValid() {
        byte[] b = Smbios.build(Platforms.standard(), Layout.SMBIOS);
        assertEquals("_SM_", ascii(b, 0, 4));
        assertEquals(0x1F, u8(b, 5));
        assertEquals(2, u8(b, 6));
        assertEquals(8, u8(b, 7));
        assertEquals("_DMI_", ascii(b, 0x10, 5));
        assertEquals(0, sum(b, 0, 0x1F), "entry point checksum");
        assertEquals(0, sum(b, 0x10, 0x0F), "intermediate checksum");
        assertEquals(Layout.SMBIOS + 0x20, u32(b, 0x18));
        assertEquals(b.length - 0x20, u16(b, 0x16));
        List<Structure> s = parse(b);
        assertEquals(s.size(), u16(b, 0x1C));
        assertEquals(s.stream().mapToInt(x -> x.formatted().length + stringsSize(x)).max().orElseThrow(), u16(b, 8));
        assertEquals(0x28, u8(b, 0x1E));
    }

    /** Bytes of a structure's string set, double NUL included. */
    private static int stringsSize(Structure s) {
        if (s.strings().isEmpty()) return 2;
        return s.strings().stream().mapToInt(x -> x.getBytes(StandardCharsets.UTF_8).length + 1).sum() + 1;
    }

    @Test
    void structuresInOrderWithUniqueHandles() {
        ConfigTree c = Platforms.config("8", "6G");
        c.set("sockets", "2");
        c.set("cores", "2");
        c.set("threads", "2");
        List<Structure> s = parse(Smbios.build(Platforms.of(c), Layout.SMBIOS));
        assertEquals(List.of(0, 1, 2, 3, 4, 4, 16, 17, 17, 19, 19, 32, 127), s.stream().map(Structure::type).toList());
        assertEquals(s.size(), s.stream().map(Structure::handle).distinct().count());
        int[] lengths = {0x18, 0x1B, 0x0F, 0x16, 0x2A, 0x2A, 0x17, 0x28, 0x28, 0x1F, 0x1F, 0x0B, 0x04};
        for (int i = 0; i < lengths.length; i++) assertEquals(lengths[i], s.get(i).formatted().length, "type " + s.get(i).type());

        Structure cpu1 = s.get(5);
        assertEquals("CPU #1", cpu1.string(4));
        assertEquals("GenuineIntel", cpu1.string(7));
        assertEquals("Test CPU @ 2.00GHz", cpu1.string(0x10));
        assertEquals(0x000906EA, (int) u32(cpu1.formatted(), 8));
        assertEquals(2, u8(cpu1.formatted(), 0x23), "cores per socket");
        assertEquals(4, u8(cpu1.formatted(), 0x25), "threads per socket");

        Structure board = s.get(2);
        assertEquals(s.get(3).handle(), u16(board.formatted(), 0x0B), "baseboard points at the chassis");
        Structure array = s.get(6);
        assertEquals(6L << 30, u64(array.formatted(), 0x0F));
        assertEquals(2, u16(array.formatted(), 0x0D));
        // 6 GiB: 3 GiB below 4 GiB, 3 GiB above.
        assertEquals(array.handle(), u16(s.get(7).formatted(), 4));
        assertEquals(3072, u16(s.get(7).formatted(), 0x0C));
        assertEquals(3072, u16(s.get(8).formatted(), 0x0C));
        assertEquals(0, u32(s.get(9).formatted(), 4));
        assertEquals((3L << 20) - 1, u32(s.get(9).formatted(), 8));
        assertEquals(4L << 20, u32(s.get(10).formatted(), 4));
        assertEquals((7L << 20) - 1, u32(s.get(10).formatted(), 8));
        assertEquals(array.handle(), u16(s.get(10).formatted(), 0x0C));
    }

    @Test
    void defaultStringsAreBhyves() {
        List<Structure> s = parse(Smbios.build(Platforms.standard(), Layout.SMBIOS));
        Structure bios = s.get(0);
        assertEquals("BHYVE", bios.string(4));
        assertEquals("14.0", bios.string(5));
        assertEquals("10/17/2021", bios.string(8));
        assertEquals(0xF000, u16(bios.formatted(), 6));
        Structure system = s.get(1);
        assertEquals("FreeBSD", system.string(4));
        assertEquals("BHYVE", system.string(5));
        assertEquals("1.0", system.string(6));
        assertEquals("None", system.string(7));
        assertEquals("None", system.string(0x19));
        assertEquals("Virtual Machine", system.string(0x1A));
        assertEquals("FreeBSD", s.get(2).string(4));
        assertEquals("FreeBSD", s.get(3).string(4));
        assertEquals("None", s.get(3).string(0x15), "chassis SKU");
    }

    @Test
    void configuredStringsAndUuidAreUsed() {
        ConfigTree c = Platforms.config("1", "256M");
        c.set("bios.vendor", "jhyve");
        c.set("system.product_name", "Test Box");
        c.set("chassis.sku", "SKU-7");
        c.set("board.serial_number", "");
        c.set("uuid", "12345678-9abc-def0-1122-334455667788");
        List<Structure> s = parse(Smbios.build(Platforms.of(c), Layout.SMBIOS));
        assertEquals("jhyve", s.get(0).string(4));
        assertEquals("Test Box", s.get(1).string(5));
        assertEquals("SKU-7", s.get(3).string(0x15));
        assertEquals(null, s.get(2).string(7), "an empty string becomes string number 0");
        // SMBIOS 2.6+ stores the first three UUID fields little-endian.
        byte[] expected = {0x78, 0x56, 0x34, 0x12, (byte) 0xbc, (byte) 0x9a, (byte) 0xf0, (byte) 0xde,
                0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88};
        assertArrayEquals(expected, Arrays.copyOfRange(s.get(1).formatted(), 8, 24));
        assertEquals(UUID.fromString("12345678-9abc-def0-1122-334455667788"), SystemUuid.fromSmbiosBytes(expected));
    }

    @Test
    void defaultUuidBytesAreTheAdjustedDigest() {
        List<Structure> s = parse(Smbios.build(Platforms.standard(), Layout.SMBIOS));
        // python3: md5(b"testvm" + b"testhost".ljust(256, b"\0")), byte 6 -> 3x, byte 8 -> 10xxxxxx
        assertArrayEquals(java.util.HexFormat.of().parseHex("fc2d7f527ed03449ba436f403fc1486e"),
                Arrays.copyOfRange(s.get(1).formatted(), 8, 24));
    }
}
