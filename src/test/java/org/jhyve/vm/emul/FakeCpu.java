package org.jhyve.vm.emul;

import org.jhyve.vm.GuestMemory;

import java.lang.foreign.Arena;
import java.util.EnumMap;
import java.util.Map;

/**
 * A vCPU in memory for unit tests: 64-bit ring 0 with 4-level paging by default, and guest RAM
 * with an identity map of the first 4 MiB (4 KiB pages) built by {@link #identityMap}.
 */
final class FakeCpu implements CpuState {
    static final long PML4 = 0x1000, PDPT = 0x2000, PD = 0x3000, PT = 0x4000;

    final long[] gpr = new long[16];
    long rip = 0x10000, rflags = 2, cr0 = 0x80050033L, cr3 = PML4, cr4 = 0x20 | Regs.CR4_OSXSAVE, efer = 0xD00;
    long xcr0 = 7, xss;
    final Map<SegReg, Segment> segs = new EnumMap<>(SegReg.class);
    Table idt = new Table(0x5000, 0xFFF), gdt = new Table(0x500, 0x27);
    byte[] xsave = new byte[4096];
    Fault raised;
    int softVector = -1;
    boolean softException;
    int commits;
    private FakeCpu snapshot;

    FakeCpu() {
        segs.put(SegReg.CS, Segment.code64(0x08, 0));
        for (SegReg r : new SegReg[] {SegReg.DS, SegReg.ES, SegReg.FS, SegReg.GS, SegReg.SS}) segs.put(r, Segment.flatData(0x10, 0));
        xsave[0] = 0x7F;
        xsave[1] = 0x03;
        xsave[24] = (byte) 0x80;
        xsave[25] = 0x1F;
        xsave[28] = (byte) 0xFF;
        xsave[29] = (byte) 0xFF;
    }

    /** 16 MiB of guest RAM, 4-level identity map of the first 4 MiB with 4 KiB pages (upper levels allow user access, pages are RW supervisor). */
    static GuestMemory ram() {
        GuestMemory m = GuestMemory.wrap(Arena.ofAuto().allocate(16 << 20, 4096));
        m.writeLong(PML4, PDPT | 7);
        m.writeLong(PDPT, PD | 7);
        for (int t = 0; t < 2; t++) {
            m.writeLong(PD + 8L * t, (PT + 0x1000L * t) | 7);
            for (int i = 0; i < 512; i++) m.writeLong(PT + 0x1000L * t + 8L * i, ((t * 512L + i) << 12) | 3);
        }
        return m;
    }

    /** Sets the PTE flags (low 12 bits and NX) of the 4 KiB page at {@code va} in the identity map. */
    static void pageFlags(GuestMemory m, long va, long flags) {
        long pte = PT + ((va >>> 12) << 3);
        m.writeLong(pte, (va & ~0xFFFL) | flags);
    }

    @Override public long gpr(int reg) { return gpr[reg]; }

    @Override public void setGpr(int reg, long value) { save(); gpr[reg] = value; }

    @Override public long rip() { return rip; }

    @Override public void setRip(long v) { save(); rip = v; }

    @Override public long rflags() { return rflags; }

    @Override public void setRflags(long v) { save(); rflags = v | 2; }

    @Override public Segment segment(SegReg reg) { return segs.get(reg); }

    @Override public void setSegment(SegReg reg, Segment value) { save(); segs.put(reg, value); }

    @Override public Table idt() { return idt; }

    @Override public Table gdt() { return gdt; }

    @Override public long cr0() { return cr0; }

    @Override public long cr3() { return cr3; }

    @Override public long cr4() { return cr4; }

    @Override public long efer() { return efer; }

    @Override public long xcr0() { return xcr0; }

    @Override public long xss() { return xss; }

    @Override public byte[] xsave() { return xsave.clone(); }

    @Override public void setXsave(byte[] area) { save(); xsave = area.clone(); }

    @Override public void raise(Fault fault) { raised = fault; }

    @Override public void injectSoftware(int vector, boolean exception) {
        softVector = vector;
        softException = exception;
    }

    private void save() {
        if (snapshot != null) return;
        snapshot = new FakeCpu();
        snapshot.rip = rip;
        snapshot.rflags = rflags;
        System.arraycopy(gpr, 0, snapshot.gpr, 0, 16);
        snapshot.xsave = xsave.clone();
        snapshot.segs.putAll(segs);
    }

    @Override public void discard() {
        if (snapshot != null) {
            rip = snapshot.rip;
            rflags = snapshot.rflags;
            System.arraycopy(snapshot.gpr, 0, gpr, 0, 16);
            xsave = snapshot.xsave;
            segs.putAll(snapshot.segs);
        }
        snapshot = null;
        softVector = -1;
    }

    @Override public void commit() {
        snapshot = null;
        commits++;
    }
}
