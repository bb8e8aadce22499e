package org.jhyve.boot;

import org.jhyve.sys.KvmLayouts;
import org.jhyve.sys.KvmVcpu;
import org.jhyve.vm.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The PVH boot protocol (Xen's, also used by QEMU and Firecracker): an ELF image with a
 * XEN_ELFNOTE_PHYS32_ENTRY note is entered in 32-bit protected mode, paging off, with EBX
 * pointing at struct hvm_start_info (command line, RSDP, memory map).
 */
public final class PvhBoot {
    public static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    public static final int START_INFO_MAGIC = 0x336ec578;
    static final long START_INFO_ADDR = 0x6000, MEMMAP_ADDR = 0x6040, CMDLINE_ADDR = 0x20000, MODLIST_ADDR = 0x5000;
    static final int CMDLINE_MAX = 0x10000;
    static final long LOW_LIMIT = 0x9F000;

    /** Where to start the BSP. */
    public record Entry(long rip, long startInfo) {}

    private PvhBoot() {}

    /** The PVH entry point of an ELF image, or -1 when it has no PVH note. */
    public static long pvhEntry(ElfImage elf) {
        for (ElfImage.Note n : elf.notes()) {
            if (n.name().equals("Xen") && n.type() == XEN_ELFNOTE_PHYS32_ENTRY) {
                ByteBuffer d = ByteBuffer.wrap(n.desc()).order(ByteOrder.LITTLE_ENDIAN);
                if (n.desc().length >= 8) return d.getLong(0);
                if (n.desc().length >= 4) return Integer.toUnsignedLong(d.getInt(0));
            }
        }
        return -1;
    }

    public static Entry load(GuestMemory mem, byte[] file, String what, String cmdline, long rsdp,
                             List<MemoryMapEntry> map) {
        ElfImage elf = ElfImage.parse(file, what);
        long entry = pvhEntry(elf);
        if (entry < 0) throw new BootException(what + ": ELF image has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
        for (ElfImage.Segment s : elf.segments()) {
            if (s.memSize() == 0) continue;
            if (s.paddr() < 0x100000 || !mem.isRam(s.paddr(), s.memSize())) {
                throw new BootException(String.format("%s: segment at 0x%x+0x%x does not fit guest RAM above 1 MiB (%d MiB)",
                        what, s.paddr(), s.memSize(), mem.size() >> 20));
            }
            MemorySegment dst = mem.slice(s.paddr(), s.memSize());
            MemorySegment.copy(MemorySegment.ofArray(file), s.fileOffset(), dst, 0, s.fileSize());
            dst.asSlice(s.fileSize()).fill((byte) 0);
        }
        byte[] cl = (cmdline == null ? "" : cmdline).getBytes(StandardCharsets.US_ASCII);
        if (cl.length >= CMDLINE_MAX) throw new BootException("command line of " + cl.length + " bytes is too long (max " + (CMDLINE_MAX - 1) + ")");
        mem.slice(CMDLINE_ADDR, cl.length + 1).fill((byte) 0);
        mem.write(CMDLINE_ADDR, cl);
        MemorySegment si = mem.slice(START_INFO_ADDR, 56);
        si.fill((byte) 0);
        si.set(JAVA_INT, 0, START_INFO_MAGIC);
        si.set(JAVA_INT, 4, 1);
        si.set(JAVA_LONG, 24, CMDLINE_ADDR);
        updateFirmware(mem, START_INFO_ADDR, map, rsdp);
        return new Entry(entry, START_INFO_ADDR);
    }

    /**
     * Loads a PVH kernel with an optional initrd (passed as the first hvm_modlist_entry, which
     * Linux takes as its initrd) and describes the result as a boot state.
     */
    public static BootState loadState(GuestMemory mem, byte[] file, String what, byte[] initrd, String cmdline,
                                      List<MemoryMapEntry> map, long rsdp) {
        Entry e = load(mem, file, what, cmdline, rsdp, map);
        List<BootState.Region> placed = new java.util.ArrayList<>();
        long kernelEnd = 0;
        int n = 0;
        for (ElfImage.Segment s : ElfImage.parse(file, what).segments()) {
            if (s.memSize() == 0) continue;
            placed.add(new BootState.Region("segment" + n++, s.paddr(), s.memSize()));
            kernelEnd = Math.max(kernelEnd, s.paddr() + s.memSize());
        }
        placed.add(new BootState.Region("start_info", START_INFO_ADDR, 56));
        placed.add(new BootState.Region("cmdline", CMDLINE_ADDR, (cmdline == null ? 0 : cmdline.length()) + 1));
        if (initrd != null) {
            long at = (mem.lowSize() - initrd.length) & ~0xFFFL;
            if (at < kernelEnd) {
                throw new BootException(String.format("the initrd (%d bytes) does not fit in guest memory above the kernel's"
                        + " end at 0x%x (%d MiB of RAM)", initrd.length, kernelEnd, mem.size() >> 20));
            }
            mem.write(at, initrd);
            MemorySegment mod = mem.slice(MODLIST_ADDR, 32);
            mod.fill((byte) 0);
            mod.set(JAVA_LONG, 0, at);
            mod.set(JAVA_LONG, 8, initrd.length);
            MemorySegment si = mem.slice(START_INFO_ADDR, 56);
            si.set(JAVA_INT, 12, 1); // nr_modules (offset 8 is flags)
            si.set(JAVA_LONG, 16, MODLIST_ADDR);
            placed.add(new BootState.Region("initrd", at, initrd.length));
        }
        return new BootState(mem.size(), new BootEntry.Pvh(e.rip(), e.startInfo()), placed);
    }

    /** Rewrites the RSDP address and memory map of the hvm_start_info at {@code startInfo}. */
    public static void updateFirmware(GuestMemory mem, long startInfo, List<MemoryMapEntry> map, long rsdp) {
        if (MEMMAP_ADDR + 24L * map.size() > CMDLINE_ADDR) throw new BootException("memory map too large: " + map.size() + " entries");
        MemorySegment si = mem.slice(startInfo, 56);
        si.set(JAVA_LONG, 32, rsdp);
        si.set(JAVA_LONG, 40, MEMMAP_ADDR);
        si.set(JAVA_INT, 48, map.size());
        for (int i = 0; i < map.size(); i++) {
            MemorySegment e = mem.slice(MEMMAP_ADDR + 24L * i, 24);
            e.set(JAVA_LONG, 0, map.get(i).addr());
            e.set(JAVA_LONG, 8, map.get(i).size());
            e.set(JAVA_INT, 16, map.get(i).type());
            e.set(JAVA_INT, 20, 0);
        }
    }

    /** Puts the BSP in the state the PVH protocol promises: flat 32-bit protected mode. */
    public static void setupBsp(KvmVcpu v, Entry entry) {
        MemorySegment s = v.getSregs();
        long code = KvmLayouts.offset(KvmLayouts.SREGS, "cs");
        segment(s, code, 0x10, 0xB, true);
        for (String d : new String[] {"ds", "es", "fs", "gs", "ss"}) {
            segment(s, KvmLayouts.offset(KvmLayouts.SREGS, d), 0x18, 0x3, true);
        }
        long tr = KvmLayouts.offset(KvmLayouts.SREGS, "tr");
        segment(s, tr, 0x20, 0xB, false);
        s.set(JAVA_INT, tr + 8, 0x67);
        s.set(JAVA_BYTE, tr + 18, (byte) 0); // s = 0: a 32-bit TSS is a system segment
        long cr0 = KvmLayouts.offset(KvmLayouts.SREGS, "cr0");
        s.set(JAVA_LONG, cr0, (s.get(JAVA_LONG, cr0) | 1) & ~(1L << 31)); // PE on, PG off
        s.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, "cr4"), 0);
        s.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, "efer"), 0);
        v.setSregs(s);
        MemorySegment r = v.getRegs();
        r.fill((byte) 0);
        r.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, "rbx"), entry.startInfo());
        r.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, "rip"), entry.rip());
        r.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, "rflags"), 2);
        v.setRegs(r);
    }

    private static void segment(MemorySegment s, long off, int selector, int type, boolean flat) {
        s.set(JAVA_LONG, off, 0);
        s.set(JAVA_INT, off + 8, 0xFFFFFFFF);
        s.set(JAVA_SHORT, off + 12, (short) selector);
        s.set(JAVA_BYTE, off + 14, (byte) type);
        s.set(JAVA_BYTE, off + 15, (byte) 1); // present
        s.set(JAVA_BYTE, off + 16, (byte) 0); // dpl
        s.set(JAVA_BYTE, off + 17, (byte) 1); // db: 32-bit
        s.set(JAVA_BYTE, off + 18, (byte) 1); // s: code/data
        s.set(JAVA_BYTE, off + 19, (byte) 0); // l
        s.set(JAVA_BYTE, off + 20, (byte) (flat ? 1 : 0)); // g
        s.set(JAVA_BYTE, off + 21, (byte) 0);
        s.set(JAVA_BYTE, off + 22, (byte) 0); // unusable
    }
}
