package org.jhyve.vm;

import org.jhyve.sys.KvmLayouts;
import org.jhyve.sys.KvmVcpu;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A vCPU's registers by bhyvectl's names, read on the vCPU's thread: the general registers,
 * control registers and EFER, segment selectors with their descriptors, GDTR and IDTR.
 */
public final class VcpuRegisters {
    public static final String[] GENERAL = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9", "r10",
        "r11", "r12", "r13", "r14", "r15", "rip", "rflags"};
    public static final String[] CONTROL = {"cr0", "cr2", "cr3", "cr4", "efer", "apic_base"};
    public static final String[] SEGMENTS = {"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt"};

    private VcpuRegisters() {}

    /**
     * Name → value: "rax".."rflags", "cr0".."efer", a selector per segment ("cs"), its descriptor
     * as "desc_cs" = {base, limit, access} and "gdtr"/"idtr" = {base, limit}.
     */
    public static Map<String, long[]> read(KvmVcpu v) {
        Map<String, long[]> out = new LinkedHashMap<>();
        MemorySegment r = v.getRegs();
        for (String n : GENERAL) out.put(n, new long[] {r.get(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, n))});
        MemorySegment s = v.getSregs();
        for (String n : CONTROL) out.put(n, new long[] {s.get(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, n))});
        for (String n : SEGMENTS) {
            long off = KvmLayouts.offset(KvmLayouts.SREGS, n);
            out.put(n, new long[] {Short.toUnsignedLong(s.get(JAVA_SHORT, off + 12))});
            out.put("desc_" + n, new long[] {s.get(JAVA_LONG, off), Integer.toUnsignedLong(s.get(JAVA_INT, off + 8)), access(s, off)});
        }
        for (String n : new String[] {"gdt", "idt"}) {
            long off = KvmLayouts.offset(KvmLayouts.SREGS, n);
            out.put(n + "r", new long[] {s.get(JAVA_LONG, off), Short.toUnsignedLong(s.get(JAVA_SHORT, off + 8))});
        }
        return out;
    }

    /** bhyve's (VMX) access-rights word: type, S, DPL, P, AVL, L, D/B, G, and bit 16 "unusable". */
    static long access(MemorySegment s, long off) {
        int type = s.get(JAVA_BYTE, off + 14) & 0xF, present = s.get(JAVA_BYTE, off + 15), dpl = s.get(JAVA_BYTE, off + 16) & 3;
        int db = s.get(JAVA_BYTE, off + 17), sys = s.get(JAVA_BYTE, off + 18), l = s.get(JAVA_BYTE, off + 19);
        int g = s.get(JAVA_BYTE, off + 20), avl = s.get(JAVA_BYTE, off + 21), unusable = s.get(JAVA_BYTE, off + 22);
        return type | (sys & 1) << 4 | dpl << 5 | (present & 1) << 7 | (avl & 1) << 12 | (l & 1) << 13 | (db & 1) << 14
                | (g & 1) << 15 | (unusable & 1) << 16;
    }
}
