package org.jhyve.boot;

import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinuxBootTest {
    static final List<MemoryMapEntry> MAP = List.of(new MemoryMapEntry(0, 0xA0000, 1),
            new MemoryMapEntry(0xA0000, 0x60000, 2), new MemoryMapEntry(0x100000, (64 << 20) - 0x100000, 1));

    static GuestMemory memory(long size) {
        return GuestMemory.wrap(Arena.ofAuto().allocate(size, 4096));
    }

    @Test
    void placesKernelZeroPageCmdlineInitrdTablesAndEntry() {
        SyntheticBzImage k = new SyntheticBzImage();
        byte[] image = k.build();
        GuestMemory mem = memory(64 << 20);
        byte[] initrd = new byte[10_000];
        Arrays.fill(initrd, (byte) 0x42);
        BootState s = LinuxBoot.load(mem, image, "vmlinuz", initrd, "console=ttyS0 panic=1", MAP, 0xF2400);

        assertEquals(new BootEntry.Linux64(0x100200, 0x7000, 0x9000, 0x500, 0x8ff0), s.entry());
        assertEquals(64 << 20, s.memorySize());
        // the protected-mode kernel at 1 MiB, byte for byte
        assertArrayEquals(Arrays.copyOfRange(image, 5 * 512, image.length), mem.read(0x100000, k.kernelBytes));
        // zero page: setup header copied, loader type, magic
        byte[] zp = mem.read(0x7000, 4096);
        // the setup header is copied; jhyve then fills type_of_loader, ramdisk_* and cmd_line_ptr
        for (int[] r : new int[][] {{0x1f1, 0x210}, {0x211, 0x218}, {0x220, 0x228}, {0x22c, 0x26c}}) {
            assertArrayEquals(Arrays.copyOfRange(image, r[0], r[1]), Arrays.copyOfRange(zp, r[0], r[1]),
                    String.format("setup header bytes 0x%x-0x%x", r[0], r[1]));
        }
        assertEquals((byte) 0xff, zp[0x210], "type_of_loader");
        assertEquals(0x53726448, mem.readInt(0x7000 + 0x202));
        // command line
        assertEquals(0x20000, mem.readInt(0x7000 + 0x228));
        assertEquals("console=ttyS0 panic=1", new String(mem.read(0x20000, 21), StandardCharsets.US_ASCII));
        assertEquals(0, mem.read(0x20000 + 21, 1)[0]);
        // initrd: page aligned at the top of RAM (below initrd_addr_max), size recorded
        long at = Integer.toUnsignedLong(mem.readInt(0x7000 + 0x218));
        assertEquals(((64L << 20) - 10_000) & ~0xFFFL, at);
        assertEquals(10_000, mem.readInt(0x7000 + 0x21c));
        assertArrayEquals(initrd, mem.read(at, initrd.length));
        // e820 and RSDP
        assertEquals(3, zp[0x1e8]);
        assertEquals(0x100000, mem.readLong(0x7000 + 0x2d0 + 40));
        assertEquals((64 << 20) - 0x100000, mem.readLong(0x7000 + 0x2d0 + 48));
        assertEquals(1, mem.readInt(0x7000 + 0x2d0 + 56));
        assertEquals(2, mem.readInt(0x7000 + 0x2d0 + 36));
        assertEquals(0xF2400, mem.readLong(0x7000 + 0x70));
        // identity map: PML4 → PDPT → 4 PDs of 2 MiB pages
        assertEquals(0xA003, mem.readLong(0x9000));
        assertEquals(0xB003 + 3 * 0x1000, mem.readLong(0xA000 + 24));
        assertEquals(0x83, mem.readLong(0xB000));
        assertEquals((3L << 30) + (511L << 21) | 0x83, mem.readLong(0xB000 + 3 * 4096 + 511 * 8));
        // GDT: 64-bit code at 0x10, data at 0x18
        assertEquals(0x00AF9B000000FFFFL, mem.readLong(0x500 + 0x10));
        assertEquals(0x00CF93000000FFFFL, mem.readLong(0x500 + 0x18));
        assertTrue(s.placed().contains(new BootState.Region("initrd", at, 10_000)), s.placed().toString());
        assertTrue(s.placed().contains(new BootState.Region("kernel", 0x100000, k.kernelBytes)), s.placed().toString());
    }

    @Test
    void firmwareUpdateRewritesMapAndRsdp() {
        GuestMemory mem = memory(64 << 20);
        LinuxBoot.load(mem, new SyntheticBzImage().build(), "k", null, "", MAP, 0xF2400);
        LinuxBoot.updateFirmware(mem, 0x7000, List.of(new MemoryMapEntry(0, 0x9F000, 1)), 0xF2500);
        assertEquals(1, mem.read(0x7000 + 0x1e8, 1)[0]);
        assertEquals(0x9F000, mem.readLong(0x7000 + 0x2d0 + 8));
        assertEquals(0xF2500, mem.readLong(0x7000 + 0x70));
        assertEquals(0, mem.readInt(0x7000 + 0x218), "no initrd");
    }

    @Test
    void initrdStaysBelowInitrdAddrMax() {
        SyntheticBzImage k = new SyntheticBzImage();
        k.initrdAddrMax = 0x2000000 - 1; // 32 MiB
        GuestMemory mem = memory(64 << 20);
        LinuxBoot.load(mem, k.build(), "k", new byte[8192], "", MAP, 0);
        assertEquals(0x2000000 - 8192, mem.readInt(0x7000 + 0x218));
    }

    @Test
    void refusals() {
        GuestMemory mem = memory(64 << 20);
        SyntheticBzImage old = new SyntheticBzImage();
        old.version = 0x020a;
        assertMessage("boot protocol 2.10 is too old; jhyve needs 2.12", () -> LinuxBoot.load(mem, old.build(), "k", null, "", MAP, 0));
        SyntheticBzImage k32 = new SyntheticBzImage();
        k32.xloadflags = 0;
        assertMessage("k: not a 64-bit kernel (XLF_KERNEL_64", () -> LinuxBoot.load(mem, k32.build(), "k", null, "", MAP, 0));
        SyntheticBzImage zimage = new SyntheticBzImage();
        zimage.loadflags = 0;
        assertMessage("a zImage", () -> LinuxBoot.load(mem, zimage.build(), "k", null, "", MAP, 0));
        byte[] whole = new SyntheticBzImage().build();
        assertMessage("k: truncated bzImage: the header promises 12288 bytes of kernel after offset 0xa00, the file has 12000",
                () -> LinuxBoot.load(mem, Arrays.copyOf(whole, whole.length - 288), "k", null, "", MAP, 0));
        assertMessage("k: truncated bzImage (592 bytes)", () -> BzImage.parse(Arrays.copyOf(whole, 0x250), "k"));
        assertMessage("k: not a Linux bzImage", () -> BzImage.parse(new byte[4096], "k"));
        SyntheticBzImage big = new SyntheticBzImage();
        big.initSize = 60 << 20;
        assertMessage("k needs at least 76 MiB of guest memory below 3 GiB (kernel at 0x1000000, init_size 0x3c00000); the VM has 64 MiB",
                () -> LinuxBoot.load(mem, big.build(), "k", null, "", MAP, 0));
        assertMessage("command line of 2048 bytes is longer than k accepts (2047 bytes, cmdline_size)",
                () -> LinuxBoot.load(mem, whole, "k", null, "x".repeat(2048), MAP, 0));
        SyntheticBzImage low = new SyntheticBzImage();
        low.initrdAddrMax = 0x1000000 - 1;
        assertMessage("the initrd (8192 bytes) does not fit below 0x1000000 (initrd_addr_max) above the kernel's end at 0x1800000",
                () -> LinuxBoot.load(mem, low.build(), "k", new byte[8192], "", MAP, 0));
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        BootException x = assertThrows(BootException.class, e);
        assertTrue(x.getMessage().contains(part), "message '" + x.getMessage() + "' lacks '" + part + "'");
    }
}
