package org.jhyve.vm.emul;

import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** POPCNT/LZCNT/TZCNT, CLAC/STAC and FWAIT: the small instructions a Debian kernel boot needs here. */
class BitCountTest {
    private final FakeCpu cpu = new FakeCpu();
    private final GuestMemory mem = FakeCpu.ram();
    private final Emulator emu = new Emulator(XsaveLayout.standard());

    private void run(int... code) {
        byte[] b = new byte[code.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) code[i];
        assertInstanceOf(Emulator.Done.class, emu.emulate(cpu, mem, b));
    }

    @Test
    void popcnt64FromRegisterAsTheDebianKernelDoes() {
        // f3 48 0f b8 c7: popcnt rax, rdi
        cpu.gpr[CpuState.RDI] = 0xF0F0_0000_0000_0001L;
        cpu.gpr[CpuState.RAX] = -1;
        cpu.rflags = 0x8D5 | 2;
        run(0xF3, 0x48, 0x0F, 0xB8, 0xC7);
        assertEquals(9, cpu.gpr[CpuState.RAX]);
        assertEquals(2, cpu.rflags, "all arithmetic flags clear");
        assertEquals(0x10005, cpu.rip);
    }

    @Test
    void popcnt32ZeroExtendsAndSetsZfForZero() {
        cpu.gpr[CpuState.RCX] = 0xFFFF_FFFF_0000_0000L;
        cpu.gpr[CpuState.RDX] = -1;
        run(0xF3, 0x0F, 0xB8, 0xD1); // popcnt edx, ecx
        assertEquals(0, cpu.gpr[CpuState.RDX]);
        assertEquals(Regs.RFLAGS_ZF, cpu.rflags & Regs.RFLAGS_ZF);
    }

    @Test
    void popcnt16FromMemoryMerges() {
        mem.writeShort(0x20000, (short) 0x0FF0);
        cpu.gpr[CpuState.RSI] = 0x20000;
        cpu.gpr[CpuState.RAX] = 0x1234_5678_9ABC_DEF0L;
        run(0x66, 0xF3, 0x0F, 0xB8, 0x06); // popcnt ax, [rsi]
        assertEquals(0x1234_5678_9ABC_0008L, cpu.gpr[CpuState.RAX]);
    }

    @Test
    void lzcntAndTzcnt() {
        cpu.gpr[CpuState.RBX] = 0x10;
        run(0xF3, 0x48, 0x0F, 0xBD, 0xC3); // lzcnt rax, rbx
        assertEquals(59, cpu.gpr[CpuState.RAX]);
        run(0xF3, 0x0F, 0xBC, 0xC3); // tzcnt eax, ebx
        assertEquals(4, cpu.gpr[CpuState.RAX]);
        cpu.gpr[CpuState.RBX] = 0;
        run(0xF3, 0x0F, 0xBC, 0xC3);
        assertEquals(32, cpu.gpr[CpuState.RAX]);
        assertEquals(Regs.RFLAGS_CF, cpu.rflags & (Regs.RFLAGS_CF | Regs.RFLAGS_ZF));
    }

    @Test
    void clacAndStacInRingZeroOnly() {
        run(0x0F, 0x01, 0xCB);
        assertEquals(Regs.RFLAGS_AC, cpu.rflags & Regs.RFLAGS_AC);
        assertEquals(0x10003, cpu.rip);
        run(0x0F, 0x01, 0xCA);
        assertEquals(0, cpu.rflags & Regs.RFLAGS_AC);
        cpu.segs.put(SegReg.SS, Segment.flatData(0x2B, 3));
        FakeCpu.pageFlags(mem, cpu.rip, 7);
        run(0x0F, 0x01, 0xCB);
        assertEquals(Fault.ud(), cpu.raised);
        assertInstanceOf(Emulator.Refused.class, emu.emulate(cpu, mem, new byte[] {0x0F, 0x01, (byte) 0xF9}), "rdtscp is not ours");
    }

    @Test
    void fwaitChecksTsAndPendingX87Exceptions() {
        run(0x9B);
        assertEquals(0x10001, cpu.rip);
        cpu.xsave[2] = 0x01; // FSW.IE pending...
        cpu.xsave[0] = 0x7E; // ...and unmasked in FCW
        run(0x9B);
        assertEquals(16, cpu.raised.vector());
        cpu.raised = null;
        cpu.cr0 |= Regs.CR0_TS; // MP is set in the fake's CR0
        run(0x9B);
        assertEquals(Fault.NM, cpu.raised.vector());
    }

    @Test
    void withoutF3ItIsBsfForKvm() {
        assertInstanceOf(Emulator.Refused.class, emu.emulate(cpu, mem, new byte[] {0x0F, (byte) 0xBC, (byte) 0xC3}));
    }
}
