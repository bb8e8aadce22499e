package org.jhyve.vm.emul;

import org.jhyve.sys.Cas16;
import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompareExchange16Test {
    private final FakeCpu cpu = new FakeCpu();
    private final GuestMemory mem = FakeCpu.ram();
    private final Emulator emu = new Emulator(XsaveLayout.standard());
    // f0 48 0f c7 0f: lock cmpxchg16b [rdi]
    private static final byte[] LOCK_CMPXCHG16B_RDI = {(byte) 0xF0, 0x48, 0x0F, (byte) 0xC7, 0x0F};

    private void regs(long rax, long rdx, long rbx, long rcx) {
        cpu.gpr[CpuState.RAX] = rax;
        cpu.gpr[CpuState.RDX] = rdx;
        cpu.gpr[CpuState.RBX] = rbx;
        cpu.gpr[CpuState.RCX] = rcx;
        cpu.gpr[CpuState.RDI] = 0x20010;
    }

    @Test
    void equalSwapsAndSetsZf() {
        mem.writeLong(0x20010, 1);
        mem.writeLong(0x20018, 2);
        regs(1, 2, 0x11, 0x22);
        assertInstanceOf(Emulator.Done.class, emu.emulate(cpu, mem, LOCK_CMPXCHG16B_RDI));
        assertEquals(0x11, mem.readLong(0x20010));
        assertEquals(0x22, mem.readLong(0x20018));
        assertTrue((cpu.rflags & Regs.RFLAGS_ZF) != 0);
        assertEquals(0x10005, cpu.rip);
        assertEquals(0x60, mem.readLong(FakeCpu.PT + (0x20 << 3)) & 0x60, "the page is accessed and dirty");
    }

    @Test
    void differentLoadsRdxRaxAndClearsZf() {
        mem.writeLong(0x20010, 7);
        mem.writeLong(0x20018, 8);
        regs(1, 2, 0x11, 0x22);
        cpu.rflags |= Regs.RFLAGS_ZF;
        emu.emulate(cpu, mem, LOCK_CMPXCHG16B_RDI);
        assertEquals(7, cpu.gpr[CpuState.RAX]);
        assertEquals(8, cpu.gpr[CpuState.RDX]);
        assertEquals(7, mem.readLong(0x20010));
        assertEquals(0, cpu.rflags & Regs.RFLAGS_ZF);
    }

    @Test
    void faults() {
        regs(1, 2, 3, 4);
        cpu.gpr[CpuState.RDI] = 0x20008;
        emu.emulate(cpu, mem, LOCK_CMPXCHG16B_RDI);
        assertEquals(Fault.gp(0), cpu.raised, "misaligned");
        assertEquals(0x10000, cpu.rip);

        cpu.raised = null;
        cpu.gpr[CpuState.RDI] = 0x21000;
        FakeCpu.pageFlags(mem, 0x21000, 1);
        emu.emulate(cpu, mem, LOCK_CMPXCHG16B_RDI);
        assertEquals(new Fault(Fault.PF, 3, 0x21000), cpu.raised, "read-only page: it always writes");

        cpu.raised = null;
        cpu.gpr[CpuState.RDI] = 0x8000_0000_0000_0000L;
        emu.emulate(cpu, mem, LOCK_CMPXCHG16B_RDI);
        assertEquals(Fault.gp(0), cpu.raised, "non-canonical");

        cpu.raised = null;
        emu.emulate(cpu, mem, new byte[] {0x48, 0x0F, (byte) 0xC7, (byte) 0xC8});
        assertEquals(Fault.ud(), cpu.raised, "register operand");
    }

    @Test
    void cmpxchg8bAndMmioAreRefused() {
        regs(0, 0, 0, 0);
        assertInstanceOf(Emulator.Refused.class, emu.emulate(cpu, mem, new byte[] {(byte) 0xF0, 0x0F, (byte) 0xC7, 0x0F}));
        mem.writeLong(FakeCpu.PT + (0x22 << 3), 0x0F00_0000L | 3); // maps a page beyond the 16 MiB of RAM
        cpu.gpr[CpuState.RDI] = 0x22000;
        Emulator.Result r = emu.emulate(cpu, mem, LOCK_CMPXCHG16B_RDI);
        assertInstanceOf(Emulator.Refused.class, r);
        assertNull(cpu.raised);
    }

    @Test
    void hostCas16IsAtomicUnderContention() throws Exception {
        MemorySegment counter = Arena.ofAuto().allocate(16, 16);
        int threads = 4, rounds = 20_000;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                for (int n = 0; n < rounds; n++) {
                    while (true) {
                        long lo = counter.get(JAVA_LONG, 0), hi = counter.get(JAVA_LONG, 8);
                        long nlo = lo + 1, nhi = hi + (nlo == 0 ? 1 : 0) + 1; // hi counts too, to cover both halves
                        if (Cas16.compareAndSwap(counter, lo, hi, nlo, nhi).swapped()) break;
                    }
                }
            }));
        }
        for (Thread t : ts) t.join();
        assertEquals((long) threads * rounds, counter.get(JAVA_LONG, 0));
        assertEquals((long) threads * rounds, counter.get(JAVA_LONG, 8));
    }
}
