package org.jhyve.vm.emul;

import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

class XsaveTest {
    private static final long AREA = 0x20000;
    private final FakeCpu cpu = new FakeCpu();
    private final GuestMemory mem = FakeCpu.ram();
    private final Emulator emu = new Emulator(XsaveLayout.standard());

    // 48 0f ae 2e: xrstor64 [rsi]; 48 0f ae 26: xsave64 [rsi]; 48 0f c7 26: xsavec64 [rsi];
    // 48 0f c7 1e: xrstors64 [rsi]; 48 0f c7 2e: xsaves64 [rsi]
    private void run(int... code) {
        byte[] b = new byte[code.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) code[i];
        cpu.rip = 0x10000;
        assertInstanceOf(Emulator.Done.class, emu.emulate(cpu, mem, b));
    }

    private void rfbm(long mask) {
        cpu.gpr[CpuState.RAX] = mask & 0xFFFF_FFFFL;
        cpu.gpr[CpuState.RDX] = mask >>> 32;
        cpu.gpr[CpuState.RSI] = AREA;
    }

    private static ByteBuffer le(byte[] b) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN); }

    /** A standard-format guest area: FCW 0x27F, MXCSR 0x7F80, XMM0 low = 0x11.., YMM0 high = 0x22... */
    private void guestArea(long xstateBv) {
        mem.writeShort(AREA, (short) 0x027F);
        mem.writeInt(AREA + 24, 0x7F80);
        mem.writeLong(AREA + 160, 0x1111_1111_1111_1111L);
        mem.writeLong(AREA + 576, 0x2222_2222_2222_2222L);
        mem.writeLong(AREA + 512, xstateBv);
    }

    @Test
    void xrstorLoadsRequestedComponents() {
        guestArea(7);
        rfbm(7);
        run(0x48, 0x0F, 0xAE, 0x2E);
        assertNull(cpu.raised);
        ByteBuffer k = le(cpu.xsave);
        assertEquals(0x027F, k.getShort(0));
        assertEquals(0x7F80, k.getInt(24));
        assertEquals(0x1111_1111_1111_1111L, k.getLong(160));
        assertEquals(0x2222_2222_2222_2222L, k.getLong(576));
        assertEquals(7, k.getLong(512));
        assertEquals(0x10004, cpu.rip);
    }

    @Test
    void xrstorInitialisesComponentsClearInXstateBv() {
        cpu.xsave[160] = 0x55;
        cpu.xsave[576] = 0x66;
        le(cpu.xsave).putShort(0, (short) 0x1234);
        guestArea(0); // nothing in use: x87, SSE, AVX take their init values, MXCSR still loads
        rfbm(7);
        run(0x48, 0x0F, 0xAE, 0x2E);
        ByteBuffer k = le(cpu.xsave);
        assertEquals(0x037F, k.getShort(0), "FCW init");
        assertEquals(0, k.get(160));
        assertEquals(0, k.get(576));
        assertEquals(0x7F80, k.getInt(24), "standard form: MXCSR loads from memory");
        assertEquals(0, k.getLong(512) & 4, "AVX marked init");
    }

    @Test
    void xrstorLeavesComponentsOutsideRfbm() {
        cpu.xsave[576] = 0x66;
        guestArea(7);
        rfbm(3);
        run(0x48, 0x0F, 0xAE, 0x2E);
        assertEquals(0x66, cpu.xsave[576]);
        assertEquals(0x11, cpu.xsave[160]);
    }

    @Test
    void xrstorFaults() {
        guestArea(7);
        mem.writeInt(AREA + 24, 0x10000); // reserved MXCSR bit
        rfbm(7);
        run(0x48, 0x0F, 0xAE, 0x2E);
        assertEquals(Fault.gp(0), cpu.raised, "reserved MXCSR bit");
        cpu.raised = null;
        guestArea(0x10); // a component outside XCR0
        run(0x48, 0x0F, 0xAE, 0x2E);
        assertEquals(Fault.gp(0), cpu.raised, "XSTATE_BV beyond XCR0");
        cpu.raised = null;
        guestArea(7);
        cpu.gpr[CpuState.RSI] = AREA + 16;
        emu.emulate(cpu, mem, new byte[] {0x48, 0x0F, (byte) 0xAE, 0x2E});
        assertEquals(Fault.gp(0), cpu.raised, "not 64-byte aligned");
        cpu.raised = null;
        cpu.cr4 &= ~Regs.CR4_OSXSAVE;
        rfbm(7);
        emu.emulate(cpu, mem, new byte[] {0x48, 0x0F, (byte) 0xAE, 0x2E});
        assertEquals(Fault.ud(), cpu.raised, "CR4.OSXSAVE clear");
        cpu.raised = null;
        cpu.cr4 |= Regs.CR4_OSXSAVE;
        cpu.cr0 |= Regs.CR0_TS;
        emu.emulate(cpu, mem, new byte[] {0x48, 0x0F, (byte) 0xAE, 0x2E});
        assertEquals(Fault.NM, cpu.raised.vector(), "CR0.TS set");
    }

    @Test
    void xsaveWritesStandardFormat() {
        ByteBuffer k = le(cpu.xsave);
        k.putLong(160, 0x3333_3333_3333_3333L);
        k.putLong(576, 0x4444_4444_4444_4444L);
        k.putLong(512, 7);
        mem.writeLong(AREA + 512, 0x8); // a bit outside RFBM survives
        rfbm(7);
        run(0x48, 0x0F, 0xAE, 0x26);
        assertEquals(0x037F, mem.readInt(AREA) & 0xFFFF);
        assertEquals(0x1F80, mem.readInt(AREA + 24));
        assertEquals(0x3333_3333_3333_3333L, mem.readLong(AREA + 160));
        assertEquals(0x4444_4444_4444_4444L, mem.readLong(AREA + 576));
        assertEquals(0xF, mem.readLong(AREA + 512));
    }

    @Test
    void xsavecAndXrstorRoundTripThroughCompactedFormat() {
        // Only SSE and PKRU(9) in XCR0 besides x87: PKRU sits right at 576 in the compacted form.
        cpu.xcr0 = 0x203;
        ByteBuffer k = le(cpu.xsave);
        k.putLong(160, 0x5555L);
        k.putInt(2688, 0x5C);
        k.putLong(512, 0x203);
        rfbm(0x203);
        run(0x48, 0x0F, 0xC7, 0x26);
        assertEquals(0x5C, mem.readInt(AREA + 576), "PKRU compacted right after the header");
        assertEquals(0x203, mem.readLong(AREA + 512));
        assertEquals(0x8000_0000_0000_0203L, mem.readLong(AREA + 520));
        cpu.xsave = new byte[4096];
        run(0x48, 0x0F, 0xAE, 0x2E);
        assertNull(cpu.raised);
        assertEquals(0x5C, le(cpu.xsave).getInt(2688));
        assertEquals(0x5555L, le(cpu.xsave).getLong(160));
    }

    @Test
    void xsavesAndXrstorsUseTheCompactedFormat() {
        ByteBuffer k = le(cpu.xsave);
        k.putLong(576, 0x7777L);
        k.putLong(512, 7);
        rfbm(7);
        run(0x48, 0x0F, 0xC7, 0x2E);
        assertEquals(0x7777L, mem.readLong(AREA + 576));
        assertEquals(0x8000_0000_0000_0007L, mem.readLong(AREA + 520));
        mem.writeLong(AREA + 576, 0x8888L);
        run(0x48, 0x0F, 0xC7, 0x1E);
        assertEquals(0x8888L, le(cpu.xsave).getLong(576));
        mem.writeLong(AREA + 520, 0);
        cpu.rip = 0x10000;
        emu.emulate(cpu, mem, new byte[] {0x48, 0x0F, (byte) 0xC7, 0x1E});
        assertEquals(Fault.gp(0), cpu.raised, "XRSTORS needs the compacted form");
    }

    @Test
    void layoutFromCpuidUsesTheReportedOffsets() {
        // The AMD host here reports AVX-512 opmask at 832, not Intel's 1088.
        XsaveLayout l = XsaveLayout.fromCpuid(new org.jhyve.sys.CpuidEntry[] {
                new org.jhyve.sys.CpuidEntry(0xD, 2, 1, 256, 576, 0, 0),
                new org.jhyve.sys.CpuidEntry(0xD, 5, 1, 64, 832, 0, 0)});
        assertEquals(832, l.offset()[5]);
        assertEquals(832 + 64, l.standardSize(0xE7 & 0x27));
        assertEquals(576 + 256, l.compactedOffsets(0x27)[5]);
    }
}
