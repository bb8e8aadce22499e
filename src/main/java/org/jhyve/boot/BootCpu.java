package org.jhyve.boot;

import org.jhyve.sys.KvmLayouts;
import org.jhyve.sys.KvmVcpu;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** Puts the boot processor in the state a {@link BootEntry} promises; runs on the BSP's thread. */
public final class BootCpu {
    static final long CR0_PE = 1, CR0_ET = 0x10, CR0_NW = 1L << 29, CR0_CD = 1L << 30, CR0_PG = 1L << 31;
    static final long CR4_PAE = 0x20, EFER_LME = 0x100, EFER_LMA = 0x400;

    private BootCpu() {}

    public static void setup(KvmVcpu v, BootEntry entry) {
        // instanceof, not a pattern switch: the switch's bootstrap costs milliseconds at every start.
        if (entry instanceof BootEntry.Pvh p) PvhBoot.setupBsp(v, new PvhBoot.Entry(p.rip(), p.startInfo()));
        else if (entry instanceof BootEntry.Linux64 l) longMode(v, l);
        else throw new IllegalStateException("unknown boot entry " + entry);
    }

    /** boot.rst's 64-bit entry: paging on with the VMM's tables, flat segments, RSI = zero page, IF off. */
    static void longMode(KvmVcpu v, BootEntry.Linux64 e) {
        MemorySegment s = v.getSregs();
        segment(s, KvmLayouts.offset(KvmLayouts.SREGS, "cs"), LinuxBoot.CODE_SELECTOR, 0xB, true, true);
        for (String d : new String[] {"ds", "es", "fs", "gs", "ss"}) {
            segment(s, KvmLayouts.offset(KvmLayouts.SREGS, d), LinuxBoot.DATA_SELECTOR, 0x3, true, false);
        }
        long tr = KvmLayouts.offset(KvmLayouts.SREGS, "tr");
        segment(s, tr, LinuxBoot.TSS_SELECTOR, 0xB, false, false);
        s.set(JAVA_INT, tr + 8, 0x67);
        s.set(JAVA_BYTE, tr + 17, (byte) 0);
        s.set(JAVA_BYTE, tr + 20, (byte) 0);
        long gdt = KvmLayouts.offset(KvmLayouts.SREGS, "gdt");
        s.set(JAVA_LONG, gdt, e.gdt());
        s.set(JAVA_SHORT, gdt + 8, (short) (8 * LinuxBoot.GDT_ENTRIES.length - 1));
        long idt = KvmLayouts.offset(KvmLayouts.SREGS, "idt");
        s.set(JAVA_LONG, idt, 0);
        s.set(JAVA_SHORT, idt + 8, (short) 0);
        long cr0 = KvmLayouts.offset(KvmLayouts.SREGS, "cr0");
        s.set(JAVA_LONG, cr0, (s.get(JAVA_LONG, cr0) | CR0_PE | CR0_ET | CR0_PG) & ~(CR0_CD | CR0_NW));
        s.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, "cr3"), e.pml4());
        s.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, "cr4"), CR4_PAE);
        s.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, "efer"), EFER_LME | EFER_LMA);
        v.setSregs(s);
        MemorySegment r = v.getRegs();
        r.fill((byte) 0);
        r.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, "rsi"), e.zeroPage());
        r.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, "rsp"), e.stack());
        r.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, "rip"), e.rip());
        r.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, "rflags"), 2);
        v.setRegs(r);
    }

    private static void segment(MemorySegment s, long off, int selector, int type, boolean code, boolean longMode) {
        s.set(JAVA_LONG, off, 0);
        s.set(JAVA_INT, off + 8, 0xFFFFFFFF);
        s.set(JAVA_SHORT, off + 12, (short) selector);
        s.set(JAVA_BYTE, off + 14, (byte) type);
        s.set(JAVA_BYTE, off + 15, (byte) 1); // present
        s.set(JAVA_BYTE, off + 16, (byte) 0); // dpl
        s.set(JAVA_BYTE, off + 17, (byte) (longMode ? 0 : 1)); // db: must be 0 with l = 1
        s.set(JAVA_BYTE, off + 18, (byte) (code || type == 0x3 ? 1 : 0)); // s: code/data
        s.set(JAVA_BYTE, off + 19, (byte) (longMode ? 1 : 0)); // l
        s.set(JAVA_BYTE, off + 20, (byte) 1); // g
        s.set(JAVA_BYTE, off + 21, (byte) 0);
        s.set(JAVA_BYTE, off + 22, (byte) 0); // usable
    }
}
