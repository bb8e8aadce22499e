package org.jhyve.vm.emul;

import org.jhyve.sys.KvmLayouts;
import org.jhyve.sys.KvmVcpu;
import org.jhyve.vm.MachineSpec;
import org.jhyve.vm.Vm;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Runs a flat test guest from guests/emul in 64-bit ring 0 on real KVM: identity-mapped 2 MiB
 * pages, a GDT with a 64-bit code segment and a TSS (IST1 set), an empty IDT the guest fills.
 * The guest ends with cli; hlt (bhyve's halt, status 2); the test then reads the RESULT area.
 */
final class LongModeGuest {
    static final long CODE = 0x100000, RESULT = 0x9000, GDT = 0x500, TSS = 0x600, IDT = 0x4000, STACK = 0x80000,
            IST1 = 0x70000;
    static final long CR0 = 0x80050033L; // PG WP NE ET MP PE
    static final long CR4 = 0x20 | 0x200 | 0x400; // PAE OSFXSR OSXMMEXCPT

    record Result(Vm.Outcome outcome, byte[] area, long[] regsAtEnd) {
        long q(int off) { return MemorySegment.ofArray(area).get(JAVA_LONG.withByteAlignment(1), off); }

        boolean finished() { return q(0xff8) == 0xd0e; }
    }

    private LongModeGuest() {}

    static synchronized Path build(String name) {
        Path dir = Path.of("guests/emul").toAbsolutePath();
        try {
            Process p = new ProcessBuilder("make", "-s", "-C", dir.toString(), "build/" + name + ".bin").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IllegalStateException("building guests/emul failed:\n" + out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run make for guests/emul", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return dir.resolve("build/" + name + ".bin");
    }

    static Result run(String name, long cr4, Consumer<KvmVcpu> extraSetup, Consumer<Vm> afterRun) {
        return run(MachineSpec.simple("emul-" + name, 32 << 20, 1), name, cr4, extraSetup, afterRun);
    }

    /** As {@link #run(String, long, Consumer, Consumer)} on a machine of the given spec (32 MiB, 1 vCPU). */
    static Result run(MachineSpec spec, String name, long cr4, Consumer<KvmVcpu> extraSetup, Consumer<Vm> afterRun) {
        byte[] code;
        try {
            code = Files.readAllBytes(build(name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try (Vm vm = new Vm(spec)) {
            var mem = vm.memory();
            mem.write(CODE, code);
            // PML4 -> PDPT -> PD, 16 x 2 MiB identity pages (32 MiB).
            mem.writeLong(0x1000, 0x2000 | 3);
            mem.writeLong(0x2000, 0x3000 | 3);
            for (int i = 0; i < 16; i++) mem.writeLong(0x3000 + 8L * i, ((long) i << 21) | 0x83);
            mem.writeLong(GDT + 0x08, 0x00AF9A000000FFFFL); // 64-bit code, DPL 0
            mem.writeLong(GDT + 0x10, 0x00CF92000000FFFFL); // data
            mem.writeLong(GDT + 0x18, tssLow(TSS, 0x67));
            mem.writeLong(GDT + 0x20, 0);
            mem.writeLong(TSS + 4, STACK);      // RSP0
            mem.writeLong(TSS + 0x24, IST1);    // IST1
            vm.setBspSetup(v -> {
                longMode(v, cr4);
                if (extraSetup != null) extraSetup.accept(v);
            });
            Vm.Outcome o = vm.run();
            if (afterRun != null) afterRun.accept(vm);
            return new Result(o, mem.read(RESULT, 0x1000), null);
        }
    }

    private static long tssLow(long base, int limit) {
        return (limit & 0xFFFFL) | ((base & 0xFFFFFFL) << 16) | (0x89L << 40) | ((long) (limit >>> 16 & 0xF) << 48)
                | ((base >>> 24 & 0xFF) << 56);
    }

    static void longMode(KvmVcpu v, long cr4) {
        MemorySegment s = v.getSregs();
        seg(s, "cs", 0x08, 0xB, true, true);
        for (String d : new String[] {"ds", "es", "fs", "gs", "ss"}) seg(s, d, 0x10, 0x3, true, false);
        long tr = KvmLayouts.offset(KvmLayouts.SREGS, "tr");
        seg(s, "tr", 0x18, 0xB, false, false);
        s.set(JAVA_LONG, tr, TSS);
        s.set(JAVA_INT, tr + 8, 0x67);
        s.set(JAVA_BYTE, tr + 20, (byte) 0);
        long gdt = KvmLayouts.offset(KvmLayouts.SREGS, "gdt"), idt = KvmLayouts.offset(KvmLayouts.SREGS, "idt");
        s.set(JAVA_LONG, gdt, GDT);
        s.set(JAVA_SHORT, gdt + 8, (short) 0x27);
        s.set(JAVA_LONG, idt, IDT);
        s.set(JAVA_SHORT, idt + 8, (short) 0xFFF);
        s.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, "cr0"), CR0);
        s.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, "cr3"), 0x1000);
        s.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, "cr4"), cr4);
        s.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.SREGS, "efer"), 0x500 | 0x800); // LME LMA NXE
        v.setSregs(s);
        MemorySegment r = v.getRegs();
        r.fill((byte) 0);
        r.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, "rip"), CODE);
        r.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, "rsp"), STACK);
        r.set(JAVA_LONG, KvmLayouts.offset(KvmLayouts.REGS, "rflags"), 2);
        v.setRegs(r);
    }

    private static void seg(MemorySegment s, String name, int sel, int type, boolean code, boolean l) {
        long off = KvmLayouts.offset(KvmLayouts.SREGS, name);
        s.set(JAVA_LONG, off, 0);
        s.set(JAVA_INT, off + 8, 0xFFFFFFFF);
        s.set(JAVA_SHORT, off + 12, (short) sel);
        s.set(JAVA_BYTE, off + 14, (byte) type);
        s.set(JAVA_BYTE, off + 15, (byte) 1);
        s.set(JAVA_BYTE, off + 16, (byte) 0);
        s.set(JAVA_BYTE, off + 17, (byte) (code ? 0 : 1)); // db: 0 for a 64-bit code segment
        s.set(JAVA_BYTE, off + 18, (byte) 1);
        s.set(JAVA_BYTE, off + 19, (byte) (l ? 1 : 0));
        s.set(JAVA_BYTE, off + 20, (byte) 1);
        s.set(JAVA_BYTE, off + 21, (byte) 0);
        s.set(JAVA_BYTE, off + 22, (byte) 0);
    }
}
