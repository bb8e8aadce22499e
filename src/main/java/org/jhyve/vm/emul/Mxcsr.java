package org.jhyve.vm.emul;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * LDMXCSR and STMXCSR (0F AE /2, /3 with a memory operand), which KVM's emulator does not know;
 * the Debian kernel loads MXCSR in kernel_fpu_begin. MXCSR lives in the vCPU's XSAVE image
 * (offset 24, with MXCSR_MASK at 28). #UD with CR0.EM, without CR4.OSFXSR or with LOCK; #NM
 * with CR0.TS; LDMXCSR raises #GP(0) for bits MXCSR_MASK leaves reserved.
 */
final class Mxcsr {
    private static final long CR0_EM = 1 << 2;
    private static final int MXCSR = 24, MXCSR_MASK = 28, XSTATE_BV = 512;
    /** MXCSR_MASK when the processor stores 0 there (older CPUs): DAZ (bit 6) is reserved. */
    private static final int DEFAULT_MASK = 0xFFBF;

    private Mxcsr() {}

    static String execute(Context c) {
        Insn i = c.insn();
        if (i.rep() || i.repne() || i.opSizePrefix()) {
            throw new EmulationException("no emulation for prefixed " + i.mnemonicKey() + " (not LDMXCSR/STMXCSR)");
        }
        CpuState cpu = c.cpu();
        if (i.lock() || (cpu.cr0() & CR0_EM) != 0 || (cpu.cr4() & Regs.CR4_OSFXSR) == 0) throw new Fault.Raised(Fault.ud());
        if ((cpu.cr0() & Regs.CR0_TS) != 0) throw new Fault.Raised(new Fault(Fault.NM, -1, 0));
        long la = c.linear(4, i.digit() == 3);
        Mmu.Mode who = c.mmu().programMode();
        byte[] kvm = cpu.xsave();
        ByteBuffer k = ByteBuffer.wrap(kvm).order(ByteOrder.LITTLE_ENDIAN);
        if (i.digit() == 3) {
            c.mmu().write(la, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(k.getInt(MXCSR)).array(), who);
            c.retire();
            return String.format("stmxcsr [0x%x]", la);
        }
        int value = ByteBuffer.wrap(c.mmu().read(la, 4, Mmu.Access.READ, who)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int mask = k.getInt(MXCSR_MASK) == 0 ? DEFAULT_MASK : k.getInt(MXCSR_MASK);
        if ((value & ~mask) != 0) throw new Fault.Raised(Fault.gp(0));
        k.putInt(MXCSR, value);
        // KVM takes MXCSR from the image only with the SSE (or AVX) bit in XSTATE_BV; an init SSE
        // component reads back as zeroed XMM registers, so setting the bit changes nothing else.
        k.putLong(XSTATE_BV, k.getLong(XSTATE_BV) | 2);
        cpu.setXsave(kvm);
        c.retire();
        return String.format("ldmxcsr [0x%x] = 0x%x", la, value);
    }
}
