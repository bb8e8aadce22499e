package org.jhyve.vm.emul;

import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/** LDMXCSR/STMXCSR, as the Debian kernel's kernel_fpu_begin runs them (noxsave boots too). */
class MxcsrTest {
    private final FakeCpu cpu = new FakeCpu();
    private final GuestMemory mem = FakeCpu.ram();
    private final Emulator emu = new Emulator(XsaveLayout.standard());

    MxcsrTest() {
        cpu.cr4 |= Regs.CR4_OSFXSR;
        cpu.cr4 &= ~Regs.CR4_OSXSAVE; // as with noxsave: LDMXCSR does not need XSAVE
        cpu.gpr[CpuState.RSP] = 0x30000;
    }

    private Emulator.Result run(int... code) {
        byte[] b = new byte[code.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) code[i];
        return emu.emulate(cpu, mem, b);
    }

    private int imageMxcsr() { return ByteBuffer.wrap(cpu.xsave).order(ByteOrder.LITTLE_ENDIAN).getInt(24); }

    private long xstateBv() { return ByteBuffer.wrap(cpu.xsave).order(ByteOrder.LITTLE_ENDIAN).getLong(512); }

    @Test
    void ldmxcsrFromTheStackAsTheDebianKernelDoes() {
        mem.writeInt(0x30004, 0x1FBF); // [rsp+4]: default with DAZ... and the exception flags
        cpu.cr0 &= ~Regs.CR0_TS;
        assertInstanceOf(Emulator.Done.class, run(0x0F, 0xAE, 0x54, 0x24, 0x04)); // ldmxcsr [rsp+4]
        assertNull(cpu.raised);
        assertEquals(0x1FBF, imageMxcsr());
        assertEquals(2, xstateBv() & 2, "SSE marked in use, so KVM takes the new MXCSR");
        assertEquals(0x10005, cpu.rip);
    }

    @Test
    void stmxcsrStoresTheVcpusValue() {
        cpu.xsave[24] = (byte) 0xA0; // MXCSR 0x1FA0
        cpu.gpr[CpuState.RDI] = 0x20010;
        assertInstanceOf(Emulator.Done.class, run(0x0F, 0xAE, 0x1F)); // stmxcsr [rdi]
        assertEquals(0x1FA0, mem.readInt(0x20010));
        assertEquals(0x10003, cpu.rip);
    }

    @Test
    void reservedBitsRaiseGpAndChangeNothing() {
        mem.writeInt(0x30000, 0x1_0000); // bit 16 is reserved (MXCSR_MASK 0xFFFF)
        run(0x0F, 0xAE, 0x14, 0x24); // ldmxcsr [rsp]
        assertEquals(Fault.gp(0), cpu.raised);
        assertEquals(0x1F80, imageMxcsr());
        assertEquals(0x10000, cpu.rip, "a fault leaves RIP at the instruction");
    }

    @Test
    void zeroMaskMeansDazIsReserved() {
        cpu.xsave[28] = 0;
        cpu.xsave[29] = 0;
        mem.writeInt(0x30000, 0x1FC0); // DAZ set
        run(0x0F, 0xAE, 0x14, 0x24);
        assertEquals(Fault.gp(0), cpu.raised);
    }

    @Test
    void udWithoutOsfxsrOrWithEmOrLock_nmWithTs() {
        cpu.cr4 &= ~Regs.CR4_OSFXSR;
        run(0x0F, 0xAE, 0x14, 0x24);
        assertEquals(Fault.ud(), cpu.raised);
        cpu.cr4 |= Regs.CR4_OSFXSR;
        cpu.raised = null;
        cpu.cr0 |= 4; // EM
        run(0x0F, 0xAE, 0x14, 0x24);
        assertEquals(Fault.ud(), cpu.raised);
        cpu.cr0 &= ~4;
        cpu.raised = null;
        run(0xF0, 0x0F, 0xAE, 0x14, 0x24);
        assertEquals(Fault.ud(), cpu.raised);
        cpu.raised = null;
        cpu.cr0 |= Regs.CR0_TS;
        run(0x0F, 0xAE, 0x14, 0x24);
        assertEquals(Fault.NM, cpu.raised.vector());
    }

    @Test
    void aPageFaultOnTheOperandIsRaised() {
        FakeCpu.pageFlags(mem, 0x30000, 0); // not present
        run(0x0F, 0xAE, 0x14, 0x24);
        assertEquals(Fault.PF, cpu.raised.vector());
        assertEquals(0x30000, cpu.raised.cr2());
    }

    @Test
    void registerFormsAndPrefixedFormsAreNotOurs() {
        assertInstanceOf(Emulator.Refused.class, run(0xF3, 0x0F, 0xAE, 0xD0), "wrfsbase");
        assertInstanceOf(Emulator.Refused.class, run(0x66, 0x0F, 0xAE, 0x14, 0x24));
    }
}
