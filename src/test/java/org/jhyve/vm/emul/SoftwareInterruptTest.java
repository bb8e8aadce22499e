package org.jhyve.vm.emul;

import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SoftwareInterruptTest {
    private final FakeCpu cpu = new FakeCpu();
    private final GuestMemory mem = FakeCpu.ram();
    private final Emulator emu = new Emulator(XsaveLayout.standard());

    /** A 64-bit gate: present, type, DPL. */
    private void gate(int vector, int type, int dpl, boolean present) {
        long low = 0x1000 | (0x08L << 16) | ((long) (type | dpl << 5 | (present ? 0x80 : 0)) << 40);
        mem.writeLong(cpu.idt.base() + 16L * vector, low);
        mem.writeLong(cpu.idt.base() + 16L * vector + 8, 0);
    }

    private Emulator.Result run(int... code) {
        byte[] b = new byte[code.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) code[i];
        return emu.emulate(cpu, mem, b);
    }

    @Test
    void int3IsASoftwareExceptionReturningAfterIt() {
        gate(3, 0xE, 3, true);
        assertInstanceOf(Emulator.Done.class, run(0xCC));
        assertEquals(3, cpu.softVector);
        assertTrue(cpu.softException);
        assertEquals(0x10001, cpu.rip);
        assertNull(cpu.raised);
    }

    @Test
    void intNIsASoftInterruptReturningAfterIt() {
        gate(0x80, 0xF, 0, true);
        assertInstanceOf(Emulator.Done.class, run(0xCD, 0x80));
        assertEquals(0x80, cpu.softVector);
        assertEquals(false, cpu.softException);
        assertEquals(0x10002, cpu.rip);
    }

    @Test
    void gateChecksFaultAtTheInstruction() {
        gate(0x40, 0xE, 0, false);
        run(0xCD, 0x40);
        assertEquals(new Fault(Fault.NP, 0x40 * 8 + 2, 0), cpu.raised);
        assertEquals(0x10000, cpu.rip);
        assertEquals(-1, cpu.softVector);

        cpu.raised = null;
        gate(0x41, 0xC, 0, true); // a call gate is not valid in the 64-bit IDT
        run(0xCD, 0x41);
        assertEquals(Fault.gp(0x41 * 8 + 2), cpu.raised);

        cpu.raised = null;
        cpu.idt = new CpuState.Table(0x5000, 0x10 * 16 - 1);
        run(0xCD, 0x10);
        assertEquals(Fault.gp(0x10 * 8 + 2), cpu.raised, "beyond the IDT limit");
    }

    @Test
    void gateDplAppliesToSoftwareFormsOnly() {
        cpu.segs.put(SegReg.SS, Segment.flatData(0x2B, 3));
        cpu.segs.put(SegReg.CS, Segment.code64(0x33, 3));
        FakeCpu.pageFlags(mem, 0x10000, 7);
        gate(3, 0xE, 0, true);
        gate(1, 0xE, 0, true);
        run(0xCC);
        assertEquals(Fault.gp(3 * 8 + 2), cpu.raised);
        cpu.raised = null;
        run(0xF1);
        assertNull(cpu.raised, "INT1 (ICEBP) ignores the gate DPL");
        assertEquals(1, cpu.softVector);
    }

    @Test
    void intoIsInvalidIn64BitModeAndConditionalIn32Bit() {
        run(0xCE);
        assertEquals(Fault.ud(), cpu.raised);
        cpu.raised = null;
        cpu.efer = 0;
        cpu.cr4 = 0;
        cpu.cr0 = 0x11;
        cpu.segs.put(SegReg.CS, new Segment(0, 0xFFFFFFFF, 8, 0xB, true, 0, true, false, false, true, false));
        cpu.idt = new CpuState.Table(0x5000, 0x7FF);
        mem.writeLong(0x5000 + 8 * 4, 0x1000 | (0x08L << 16) | (0x8EL << 40));
        run(0xCE);
        assertEquals(0x10001, cpu.rip, "OF clear: no interrupt");
        assertEquals(-1, cpu.softVector);
        cpu.rflags |= Regs.RFLAGS_OF;
        run(0xCE);
        assertEquals(4, cpu.softVector);
        assertEquals(0x10002, cpu.rip);
    }

    @Test
    void bytesAreFetchedWhenKvmReportsNone() {
        gate(0x21, 0xE, 0, true);
        mem.write(0x10000, new byte[] {(byte) 0xCD, 0x21});
        assertInstanceOf(Emulator.Done.class, emu.emulate(cpu, mem, new byte[0]));
        assertEquals(0x21, cpu.softVector);
    }

    @Test
    void realModeAndUnknownInstructionsAreRefused() {
        Emulator.Result r = run(0x0F, 0x0B);
        Emulator.Refused refused = assertInstanceOf(Emulator.Refused.class, r);
        assertTrue(refused.why().contains("0f 0b"), refused.why());
        assertEquals(0x10000, cpu.rip);
        cpu.cr0 = 0;
        assertInstanceOf(Emulator.Refused.class, run(0xCC));
    }
}
