package org.jhyve.vm.emul;

import org.junit.jupiter.api.Test;

import static org.jhyve.vm.emul.Decoder.CodeMode.BITS32;
import static org.jhyve.vm.emul.Decoder.CodeMode.BITS64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecoderTest {
    private static byte[] b(int... v) {
        byte[] r = new byte[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (byte) v[i];
        return r;
    }

    @Test
    void int3AndIntN() {
        Insn i = Decoder.decode(b(0xCC, 0x90, 0x90), BITS64);
        assertEquals(1, i.length());
        assertEquals(0xCC, i.opcode());
        Insn n = Decoder.decode(b(0xCD, 0x80, 0xFF), BITS64);
        assertEquals(2, n.length());
        assertEquals(0x80, n.imm());
    }

    @Test
    void lockCmpxchg16bWithDisp8() {
        // f0 48 0f c7 4d 20: lock cmpxchg16b [rbp+0x20] (the Linux boot's first failure here)
        Insn i = Decoder.decode(b(0xF0, 0x48, 0x0F, 0xC7, 0x4D, 0x20, 0x74, 0x66), BITS64);
        assertEquals(6, i.length());
        assertTrue(i.lock());
        assertTrue(i.rexW());
        assertEquals(2, i.map());
        assertEquals(1, i.digit());
        Operand m = i.mem();
        assertEquals(CpuState.RBP, m.base());
        assertEquals(Operand.NONE, m.index());
        assertEquals(0x20, m.disp());
        assertEquals(SegReg.SS, m.segment());
    }

    @Test
    void sibWithRexExtendedIndexAndNegativeDisp32() {
        // 4a 0f c7 8c e0 00 ff ff ff: cmpxchg16b [rax + r12*8 - 0x100]  (REX.W + REX.X)
        Insn i = Decoder.decode(b(0x4A, 0x0F, 0xC7, 0x8C, 0xE0, 0x00, 0xFF, 0xFF, 0xFF), BITS64);
        assertEquals(9, i.length());
        Operand m = i.mem();
        assertEquals(CpuState.RAX, m.base());
        assertEquals(12, m.index());
        assertEquals(8, m.scale());
        assertEquals(-0x100, m.disp());
        assertEquals(SegReg.DS, m.segment());
    }

    @Test
    void ripRelativeAndAbsoluteAndSegmentOverride() {
        Insn rel = Decoder.decode(b(0x48, 0x0F, 0xC7, 0x0D, 0x10, 0x00, 0x00, 0x00), BITS64);
        assertEquals(Operand.RIP, rel.mem().base());
        assertEquals(0x10, rel.mem().disp());
        FakeCpu cpu = new FakeCpu();
        assertEquals(0x10 + 0x1000 + 8, rel.mem().effectiveAddress(cpu, 0x1000 + 8));
        Insn abs = Decoder.decode(b(0x65, 0x48, 0x0F, 0xC7, 0x0C, 0x25, 0x00, 0xA0, 0x00, 0x00), BITS64);
        assertEquals(Operand.NONE, abs.mem().base());
        assertEquals(0xA000, abs.mem().disp());
        assertEquals(SegReg.GS, abs.mem().segment());
        // In 32-bit code, mod 0 rm 5 is an absolute disp32 and 48 is DEC EAX, not REX.
        Insn abs32 = Decoder.decode(b(0x0F, 0xAE, 0x2D, 0x00, 0x10, 0x00, 0x00), BITS32);
        assertEquals(Operand.NONE, abs32.mem().base());
        assertEquals(5, abs32.digit());
        assertFalse(abs32.rexW());
    }

    @Test
    void registerFormHasNoMemoryOperand() {
        Insn i = Decoder.decode(b(0x48, 0x0F, 0xC7, 0xC8), BITS64);
        assertNull(i.mem());
        assertEquals(0, i.rm());
        assertEquals(1, i.digit());
    }

    @Test
    void legacyPrefixAfterRexCancelsIt() {
        Insn i = Decoder.decode(b(0x48, 0x66, 0x0F, 0xAE, 0x20), BITS64);
        assertFalse(i.rexW());
        assertTrue(i.opSizePrefix());
    }

    @Test
    void refusals() {
        EmulationException e = assertThrows(EmulationException.class, () -> Decoder.decode(b(0x0F, 0x05), BITS64));
        assertTrue(e.getMessage().contains("0f 05"), e.getMessage());
        assertThrows(EmulationException.class, () -> Decoder.decode(b(0xF0, 0x48, 0x0F), BITS64), "truncated");
        assertThrows(EmulationException.class, () -> Decoder.decode(b(0x67, 0x0F, 0xAE, 0x27), BITS32), "16-bit addressing");
        byte[] tooLong = new byte[16];
        java.util.Arrays.fill(tooLong, 0, 15, (byte) 0x66);
        tooLong[15] = (byte) 0xCC;
        Fault.Raised f = assertThrows(Fault.Raised.class, () -> Decoder.decode(tooLong, BITS64));
        assertEquals(Fault.GP, f.fault().vector());
    }
}
