package org.jhyve.boot;

import org.jhyve.vm.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Linux's 64-bit boot protocol for a bzImage: the protected-mode kernel at 1 MiB, the zero page
 * (boot_params with the copied setup header, command line, initrd, e820 map and RSDP pointer),
 * identity page tables for the first 4 GiB and a flat GDT, all built by the VMM, as Firecracker
 * and Cloud Hypervisor do. The guest's own real-mode setup code never runs.
 */
public final class LinuxBoot {
    /** Guest-physical layout of what the VMM builds below 1 MiB. */
    public static final long GDT = 0x500, ZERO_PAGE = 0x7000, STACK = 0x8ff0, PML4 = 0x9000, PDPT = 0xA000,
            PD = 0xB000, CMDLINE = 0x20000, KERNEL = 0x100000;
    static final int CMDLINE_AREA = 0x10000;
    /** The selectors boot.rst names: __BOOT_CS 0x10, __BOOT_DS 0x18; 0x20 is a TSS. */
    public static final int CODE_SELECTOR = 0x10, DATA_SELECTOR = 0x18, TSS_SELECTOR = 0x20;
    static final long[] GDT_ENTRIES = {
        0, 0,
        0x00AF9B000000FFFFL, // 0x10: 64-bit code, DPL 0
        0x00CF93000000FFFFL, // 0x18: flat data
        0x00808B0000000067L, // 0x20: busy TSS (KVM wants a usable TR)
        0,
    };

    // struct boot_params offsets (arch/x86/include/uapi/asm/bootparam.h)
    static final int BP_ACPI_RSDP = 0x070, BP_EXT_RAMDISK_IMAGE = 0x0c0, BP_EXT_RAMDISK_SIZE = 0x0c4,
            BP_EXT_CMD_LINE_PTR = 0x0c8, BP_E820_ENTRIES = 0x1e8, BP_TYPE_OF_LOADER = 0x210,
            BP_RAMDISK_IMAGE = 0x218, BP_RAMDISK_SIZE = 0x21c, BP_CMD_LINE_PTR = 0x228, BP_E820_TABLE = 0x2d0;
    static final int E820_MAX = 128;
    private LinuxBoot() {}

    /**
     * Places a bzImage, its command line and optional initrd in guest memory and returns the
     * boot state. {@code map} and {@code rsdp} go into the zero page (the VMM refreshes them from
     * its firmware tables before the guest starts, see {@link #updateFirmware}).
     */
    public static BootState load(GuestMemory mem, byte[] file, String what, byte[] initrd, String cmdline,
                                 List<MemoryMapEntry> map, long rsdp) {
        BzImage k = BzImage.parse(file, what);
        long low = mem.lowSize();
        // where the decompressed kernel will run: the decompressor never goes below LOAD_PHYSICAL_ADDR,
        // which pref_address reports
        long align = Math.max(k.kernelAlignment(), 1);
        long runAt = Math.max(k.relocatable() ? (KERNEL + align - 1) / align * align : k.prefAddress(), k.prefAddress());
        long kernelEnd = Math.max(KERNEL + k.kernelSize(), runAt + k.initSize());
        long initrdSize = initrd == null ? 0 : initrd.length;
        long needed = kernelEnd + pageUp(initrdSize);
        if (needed > low) {
            throw new BootException(String.format("%s needs at least %d MiB of guest memory below 3 GiB (kernel at 0x%x,"
                    + " init_size 0x%x%s); the VM has %d MiB", what, (needed + (1 << 20) - 1) >> 20, runAt, k.initSize(),
                    initrd == null ? "" : String.format(", initrd of %d bytes", initrdSize), low >> 20));
        }
        byte[] cl = (cmdline == null ? "" : cmdline).getBytes(StandardCharsets.US_ASCII);
        long limit = Math.min(Integer.toUnsignedLong(k.cmdlineSize()), CMDLINE_AREA - 1);
        if (cl.length > limit) {
            throw new BootException(String.format("command line of %d bytes is longer than %s accepts (%d bytes, cmdline_size)",
                    cl.length, what, limit));
        }
        List<BootState.Region> placed = new ArrayList<>();
        MemorySegment kdst = mem.slice(KERNEL, k.kernelSize());
        MemorySegment.copy(MemorySegment.ofArray(file), k.kernelOffset(), kdst, 0, k.kernelSize());
        placed.add(new BootState.Region("kernel", KERNEL, k.kernelSize()));

        MemorySegment zp = mem.slice(ZERO_PAGE, 4096);
        zp.fill((byte) 0);
        MemorySegment.copy(MemorySegment.ofArray(k.setupHeader()), 0, zp, BzImage.HDR_START, k.setupHeader().length);
        zp.set(JAVA_BYTE, BP_TYPE_OF_LOADER, (byte) 0xff); // "undefined" boot loader
        placed.add(new BootState.Region("zero_page", ZERO_PAGE, 4096));

        mem.slice(CMDLINE, cl.length + 1).fill((byte) 0);
        mem.write(CMDLINE, cl);
        zp.set(JAVA_INT_UNALIGNED, BP_CMD_LINE_PTR, (int) CMDLINE);
        zp.set(JAVA_INT_UNALIGNED, BP_EXT_CMD_LINE_PTR, 0);
        placed.add(new BootState.Region("cmdline", CMDLINE, cl.length + 1));

        if (initrd != null) {
            long top = Math.min(k.initrdAddrMax() + 1, low);
            long at = (top - initrdSize) & ~0xFFFL;
            if (at < kernelEnd) {
                throw new BootException(String.format("the initrd (%d bytes) does not fit below 0x%x (initrd_addr_max) above"
                        + " the kernel's end at 0x%x", initrdSize, top, kernelEnd));
            }
            mem.write(at, initrd);
            zp.set(JAVA_INT_UNALIGNED, BP_RAMDISK_IMAGE, (int) at);
            zp.set(JAVA_INT_UNALIGNED, BP_RAMDISK_SIZE, (int) initrdSize);
            zp.set(JAVA_INT_UNALIGNED, BP_EXT_RAMDISK_IMAGE, (int) (at >>> 32));
            zp.set(JAVA_INT_UNALIGNED, BP_EXT_RAMDISK_SIZE, (int) (initrdSize >>> 32));
            placed.add(new BootState.Region("initrd", at, initrdSize));
        }
        updateFirmware(mem, ZERO_PAGE, map, rsdp);
        writePageTables(mem);
        placed.add(new BootState.Region("page_tables", PML4, PD + 4 * 4096 - PML4));
        for (int i = 0; i < GDT_ENTRIES.length; i++) mem.writeLong(GDT + 8L * i, GDT_ENTRIES[i]);
        placed.add(new BootState.Region("gdt", GDT, 8L * GDT_ENTRIES.length));
        return new BootState(mem.size(), new BootEntry.Linux64(KERNEL + 0x200, ZERO_PAGE, PML4, GDT, STACK), placed);
    }

    /** Writes the e820 map and the RSDP address into the zero page at {@code zeroPage}. */
    public static void updateFirmware(GuestMemory mem, long zeroPage, List<MemoryMapEntry> map, long rsdp) {
        if (map.size() > E820_MAX) throw new BootException("memory map of " + map.size() + " entries exceeds the zero page's " + E820_MAX);
        MemorySegment zp = mem.slice(zeroPage, 4096);
        zp.set(JAVA_LONG_UNALIGNED, BP_ACPI_RSDP, rsdp);
        zp.set(JAVA_BYTE, BP_E820_ENTRIES, (byte) map.size());
        for (int i = 0; i < map.size(); i++) {
            long e = BP_E820_TABLE + 20L * i;
            zp.set(JAVA_LONG_UNALIGNED, e, map.get(i).addr());
            zp.set(JAVA_LONG_UNALIGNED, e + 8, map.get(i).size());
            zp.set(JAVA_INT_UNALIGNED, e + 16, map.get(i).type());
        }
    }

    /** Identity map of [0, 4 GiB) with 2 MiB pages: one PML4 entry, four PDPT entries, four PDs. */
    static void writePageTables(GuestMemory mem) {
        mem.slice(PML4, PD + 4 * 4096 - PML4).fill((byte) 0);
        mem.writeLong(PML4, PDPT | 3);
        for (int i = 0; i < 4; i++) {
            mem.writeLong(PDPT + 8L * i, (PD + 4096L * i) | 3);
            for (int j = 0; j < 512; j++) {
                mem.writeLong(PD + 4096L * i + 8L * j, (((long) i * 512 + j) << 21) | 0x83); // present, writable, 2 MiB
            }
        }
    }

    private static long pageUp(long n) { return (n + 4095) & ~4095L; }
}
