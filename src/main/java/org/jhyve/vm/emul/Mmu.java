package org.jhyve.vm.emul;

import org.jhyve.vm.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Guest linear → physical translation by walking the guest's own page tables, as the processor
 * would for the emulated instruction: no paging, 32-bit, PAE, 4-level and 5-level paging, with
 * present/write/user/NX checks, CR0.WP, SMEP and SMAP, and the accessed/dirty bits set the way
 * hardware sets them. A denied access raises #PF with the architectural error code and CR2.
 * Memory that is not guest RAM (MMIO) is refused: the emulator does not carry device accesses.
 */
public final class Mmu {
    /** What an access does. */
    public enum Access { READ, WRITE, FETCH }

    /**
     * Who makes it: the program at CPL 3, the program at CPL 0-2, or the processor itself for a
     * supervisor structure (IDT, GDT, TSS, the stack during event delivery) — SMAP's RFLAGS.AC
     * override does not apply to those.
     */
    public enum Mode { USER, SUPERVISOR, IMPLICIT }

    private static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;
    private static final long P = 1, RW = 2, US = 4, A = 1 << 5, D = 1 << 6, PS = 1 << 7, XD = 1L << 63;
    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final CpuState cpu;
    private final GuestMemory mem;

    public Mmu(CpuState cpu, GuestMemory mem) {
        this.cpu = cpu;
        this.mem = mem;
    }

    public GuestMemory memory() { return mem; }

    /** The access mode for an explicit operand of the current instruction. */
    public Mode programMode() { return cpu.cpl() == 3 ? Mode.USER : Mode.SUPERVISOR; }

    /** The physical address of one byte at {@code linear}. */
    public long translate(long linear, Access access, Mode mode) {
        long cr0 = cpu.cr0();
        if ((cr0 & Regs.CR0_PG) == 0) return linear & 0xFFFF_FFFFL;
        long cr4 = cpu.cr4();
        if ((cr4 & Regs.CR4_PAE) == 0) return walk32(linear, access, mode, cr0, cr4);
        return walkPae(linear, access, mode, cr0, cr4);
    }

    private long walk32(long la, Access access, Mode mode, long cr0, long cr4) {
        la &= 0xFFFF_FFFFL;
        long pdeAddr = (cpu.cr3() & 0xFFFF_F000L) + ((la >>> 22) & 0x3FF) * 4;
        long pde = Integer.toUnsignedLong(entry32(pdeAddr));
        if ((pde & P) == 0) throw pageFault(la, access, mode, false, false);
        boolean big = (pde & PS) != 0 && (cr4 & Regs.CR4_PSE) != 0;
        long[] addrs = big ? new long[] {pdeAddr} : new long[] {pdeAddr, (pde & 0xFFFF_F000L) + ((la >>> 12) & 0x3FF) * 4};
        long leaf = pde;
        long rw = pde & RW, us = pde & US;
        if (!big) {
            leaf = Integer.toUnsignedLong(entry32(addrs[1]));
            if ((leaf & P) == 0) throw pageFault(la, access, mode, false, false);
            rw &= leaf;
            us &= leaf;
        }
        check(la, access, mode, cr0, cr4, rw != 0, us != 0, false, false);
        setBits(addrs, access, true);
        if (big) return (leaf & 0xFFC0_0000L) | ((leaf >>> 13 & 0xFF) << 32) | (la & 0x3F_FFFF);
        return (leaf & 0xFFFF_F000L) | (la & 0xFFF);
    }

    private long walkPae(long la, Access access, Mode mode, long cr0, long cr4) {
        boolean lma = (cpu.efer() & Regs.EFER_LMA) != 0;
        boolean nxe = (cpu.efer() & Regs.EFER_NXE) != 0;
        int levels;
        long table;
        if (lma) {
            levels = (cr4 & Regs.CR4_LA57) != 0 ? 5 : 4;
            table = cpu.cr3() & ADDR_MASK;
        } else {
            // PAE without long mode: the four PDPTEs (the CPU caches them at CR3 load; read here).
            la &= 0xFFFF_FFFFL;
            long pdpte = entry64((cpu.cr3() & 0xFFFF_FFE0L) + ((la >>> 30) & 3) * 8);
            if ((pdpte & P) == 0) throw pageFault(la, access, mode, false, nxe);
            levels = 2;
            table = pdpte & ADDR_MASK;
        }
        long[] addrs = new long[levels];
        boolean rw = true, us = true, xd = false;
        long e = 0;
        int level = levels;
        int n = 0;
        while (true) {
            int shift = 12 + 9 * (level - 1);
            long addr = table + ((la >>> shift) & 0x1FF) * 8;
            addrs[n++] = addr;
            e = entry64(addr);
            if ((e & P) == 0) throw pageFault(la, access, mode, false, nxe);
            rw &= (e & RW) != 0;
            us &= (e & US) != 0;
            xd |= nxe && (e & XD) != 0;
            if (level == 1 || ((level == 2 || level == 3) && (e & PS) != 0)) {
                check(la, access, mode, cr0, cr4, rw, us, xd, nxe);
                long[] used = java.util.Arrays.copyOf(addrs, n);
                setBits(used, access, false);
                long pageMask = (1L << shift) - 1;
                return ((e & ADDR_MASK) & ~pageMask) | (la & pageMask);
            }
            table = e & ADDR_MASK;
            level--;
        }
    }

    private void check(long la, Access access, Mode mode, long cr0, long cr4, boolean rw, boolean us, boolean xd,
                       boolean nxe) {
        boolean user = mode == Mode.USER;
        boolean ok = true;
        if (user) {
            ok = us && (access != Access.WRITE || rw);
        } else {
            if (access == Access.WRITE && !rw && (cr0 & Regs.CR0_WP) != 0) ok = false;
            if (us && access == Access.FETCH && (cr4 & Regs.CR4_SMEP) != 0) ok = false;
            if (us && access != Access.FETCH && (cr4 & Regs.CR4_SMAP) != 0
                    && (mode == Mode.IMPLICIT || (cpu.rflags() & Regs.RFLAGS_AC) == 0)) ok = false;
        }
        if (access == Access.FETCH && xd) ok = false;
        if (!ok) throw pageFault(la, access, mode, true, nxe || (cr4 & Regs.CR4_SMEP) != 0);
    }

    private Fault.Raised pageFault(long la, Access access, Mode mode, boolean present, boolean fetchBit) {
        int code = (present ? 1 : 0) | (access == Access.WRITE ? 2 : 0) | (mode == Mode.USER ? 4 : 0)
                | (access == Access.FETCH && fetchBit ? 16 : 0);
        return new Fault.Raised(new Fault(Fault.PF, code, la));
    }

    private void setBits(long[] entries, Access access, boolean narrow) {
        for (int i = 0; i < entries.length; i++) {
            long bits = A | (i == entries.length - 1 && access == Access.WRITE ? D : 0);
            MemorySegment s = mem.slice(entries[i], narrow ? 4 : 8);
            if (narrow) {
                INT.getAndBitwiseOr(s, 0L, (int) bits);
            } else {
                LONG.getAndBitwiseOr(s, 0L, bits);
            }
        }
    }

    private int entry32(long gpa) { return page(gpa, 4).get(JAVA_INT, 0); }

    private long entry64(long gpa) { return page(gpa, 8).get(JAVA_LONG, 0); }

    private MemorySegment page(long gpa, int len) {
        if (!mem.isRam(gpa, len)) throw new EmulationException(String.format("page-table entry at 0x%x is not guest RAM", gpa));
        return mem.slice(gpa, len);
    }

    /** Reads {@code len} bytes at a linear address, page by page. */
    public byte[] read(long linear, int len, Access access, Mode mode) {
        byte[] out = new byte[len];
        int done = 0;
        while (done < len) {
            long la = linear + done;
            int chunk = (int) Math.min(len - done, 4096 - (la & 0xFFF));
            long gpa = translate(la, access, mode);
            MemorySegment.copy(ram(gpa, chunk), JAVA_BYTE_LAYOUT, 0, out, done, chunk);
            done += chunk;
        }
        return out;
    }

    /** Writes bytes at a linear address; every page is translated (and checked) before any byte is stored. */
    public void write(long linear, byte[] data, Mode mode) {
        int pages = (int) (((linear & 0xFFF) + data.length + 4095) / 4096);
        long[] gpas = new long[pages];
        for (int i = 0, done = 0; done < data.length; i++) {
            long la = linear + done;
            gpas[i] = translate(la, Access.WRITE, mode);
            done += (int) Math.min(data.length - done, 4096 - (la & 0xFFF));
        }
        for (int i = 0, done = 0; done < data.length; i++) {
            long la = linear + done;
            int chunk = (int) Math.min(data.length - done, 4096 - (la & 0xFFF));
            MemorySegment.copy(data, done, ram(gpas[i], chunk), JAVA_BYTE_LAYOUT, 0, chunk);
            done += chunk;
        }
    }

    /** The host view of {@code len} bytes that lie in one guest page. */
    public MemorySegment ram(long gpa, long len) {
        if (!mem.isRam(gpa, len)) {
            throw new EmulationException(String.format("operand at guest physical 0x%x+%d is not RAM (MMIO is not emulated here)", gpa, len));
        }
        return mem.slice(gpa, len);
    }

    private static final java.lang.foreign.ValueLayout.OfByte JAVA_BYTE_LAYOUT = java.lang.foreign.ValueLayout.JAVA_BYTE;
}
