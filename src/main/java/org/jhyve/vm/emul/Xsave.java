package org.jhyve.vm.emul;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The XSAVE family, which KVM's emulator does not know: XSAVE, XSAVEOPT (0F AE /4 /6), XRSTOR
 * (0F AE /5), XSAVEC (0F C7 /4), XSAVES (0F C7 /5) and XRSTORS (0F C7 /3). The vCPU side is
 * KVM_GET/SET_XSAVE, which holds the state in standard format; the guest's area is in standard
 * or compacted format. Components: x87, SSE (with MXCSR) and every extended component the CPUID
 * layout describes (AVX, AVX-512, PKRU...) as long as the area fits KVM's 4096 bytes; supervisor
 * components (IA32_XSS) are refused, KVM keeps none for its guests here.
 */
final class Xsave {
    private static final int X87 = 0, SSE = 1, AVX = 2;
    private static final int MXCSR = 24, MXCSR_MASK = 28, XSTATE_BV = 512, XCOMP_BV = 520;
    private static final long COMPACTED = 1L << 63;

    private Xsave() {}

    private enum Kind { XSAVE, XSAVEOPT, XSAVEC, XSAVES, XRSTOR, XRSTORS }

    static String execute(Context c, XsaveLayout layout) {
        Insn i = c.insn();
        Kind kind = i.opcode() == 0xAE
                ? switch (i.digit()) { case 4 -> Kind.XSAVE; case 5 -> Kind.XRSTOR; default -> Kind.XSAVEOPT; }
                : switch (i.digit()) { case 3 -> Kind.XRSTORS; case 4 -> Kind.XSAVEC; default -> Kind.XSAVES; };
        if (i.rep() || i.repne() || i.opSizePrefix()) {
            throw new EmulationException("no emulation for prefixed " + i.mnemonicKey() + " (not an XSAVE-family instruction)");
        }
        CpuState cpu = c.cpu();
        if (i.lock() || (cpu.cr4() & Regs.CR4_OSXSAVE) == 0) throw new Fault.Raised(Fault.ud());
        if (i.mem() == null) throw new Fault.Raised(Fault.ud());
        if ((kind == Kind.XSAVES || kind == Kind.XRSTORS) && cpu.cpl() != 0) throw new Fault.Raised(Fault.gp(0));
        if ((kind == Kind.XSAVES || kind == Kind.XRSTORS) && cpu.xss() != 0) {
            throw new EmulationException("IA32_XSS 0x" + Long.toHexString(cpu.xss()) + ": supervisor state components are not emulated");
        }
        if ((cpu.cr0() & Regs.CR0_TS) != 0) throw new Fault.Raised(new Fault(Fault.NM, -1, 0));
        long xcr0 = cpu.xcr0();
        long request = (cpu.gpr(CpuState.RDX) << 32) | (cpu.gpr(CpuState.RAX) & 0xFFFF_FFFFL);
        long rfbm = xcr0 & request;
        for (int k = 2; k < XsaveLayout.COMPONENTS; k++) {
            if ((xcr0 & (1L << k)) != 0 && !layout.known(k)) {
                throw new EmulationException("XCR0 0x" + Long.toHexString(xcr0) + " enables state component " + k + ", which CPUID leaf 0xD does not describe");
            }
        }
        if (layout.standardSize(xcr0) > org.jhyve.sys.KvmVcpu.XSAVE_SIZE) {
            throw new EmulationException("XCR0 0x" + Long.toHexString(xcr0) + " needs an XSAVE area larger than KVM_GET_XSAVE's 4096 bytes");
        }
        String name = kind.name().toLowerCase();
        String what = switch (kind) {
            case XSAVE, XSAVEOPT -> save(c, layout, rfbm, false);
            case XSAVEC, XSAVES -> save(c, layout, rfbm, true);
            case XRSTOR, XRSTORS -> restore(c, layout, rfbm, xcr0, kind == Kind.XRSTORS);
        };
        c.retire();
        return name + " " + what;
    }

    private static ByteBuffer le(byte[] b) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN); }

    private static long aligned(Context c, int len, boolean write) {
        long la = c.linear(len, write);
        if ((la & 63) != 0) throw new Fault.Raised(Fault.gp(0));
        return la;
    }

    /** XSAVE/XSAVEOPT (standard format) and XSAVEC/XSAVES (compacted). */
    private static String save(Context c, XsaveLayout layout, long rfbm, boolean compacted) {
        byte[] kvm = c.cpu().xsave();
        long inUse = le(kvm).getLong(XSTATE_BV) | 3; // KVM keeps x87 and SSE in the legacy area always
        int len = compacted ? layout.compactedSize(rfbm) : layout.standardSize(rfbm);
        long la = aligned(c, len, true);
        Mmu.Mode who = c.mmu().programMode();
        byte[] area = c.mmu().read(la, len, Mmu.Access.WRITE, who);
        ByteBuffer a = le(area);
        if ((rfbm & (1L << X87)) != 0) {
            System.arraycopy(kvm, 0, area, 0, 24);
            System.arraycopy(kvm, 32, area, 32, 128);
        }
        if ((rfbm & ((1L << SSE) | (1L << AVX))) != 0) System.arraycopy(kvm, MXCSR, area, MXCSR, 8);
        if ((rfbm & (1L << SSE)) != 0) System.arraycopy(kvm, 160, area, 160, 256);
        long written = rfbm & inUse;
        int[] at = compacted ? layout.compactedOffsets(rfbm) : layout.offset();
        for (int k = 2; k < XsaveLayout.COMPONENTS; k++) {
            if ((rfbm & (1L << k)) == 0) continue;
            if ((written & (1L << k)) != 0 || !compacted) {
                System.arraycopy(kvm, layout.offset()[k], area, at[k], layout.size()[k]);
            }
        }
        if (compacted) {
            a.putLong(XSTATE_BV, written);
            a.putLong(XCOMP_BV, COMPACTED | rfbm);
        } else {
            a.putLong(XSTATE_BV, (a.getLong(XSTATE_BV) & ~rfbm) | written);
        }
        c.mmu().write(la, area, who);
        return String.format("[0x%x] rfbm 0x%x", la, rfbm);
    }

    /** XRSTOR (standard or compacted area) and XRSTORS (compacted only). */
    private static String restore(Context c, XsaveLayout layout, long rfbm, long xcr0, boolean supervisor) {
        long la = aligned(c, 64 + 512, false);
        Mmu.Mode who = c.mmu().programMode();
        byte[] header = c.mmu().read(la + XSTATE_BV, 64, Mmu.Access.READ, who);
        ByteBuffer h = le(header);
        long xstateBv = h.getLong(0), xcompBv = h.getLong(8);
        boolean compacted = (xcompBv & COMPACTED) != 0;
        if (supervisor && !compacted) throw new Fault.Raised(Fault.gp(0));
        if (compacted) {
            if ((xcompBv & ~COMPACTED & ~xcr0) != 0 || (xstateBv & ~xcompBv) != 0) throw new Fault.Raised(Fault.gp(0));
        } else if (xcompBv != 0 || (xstateBv & ~xcr0) != 0) {
            throw new Fault.Raised(Fault.gp(0));
        }
        for (int k = 16; k < 64; k++) if (header[k] != 0) throw new Fault.Raised(Fault.gp(0));
        long formatBits = compacted ? xcompBv & ~COMPACTED : xcr0;
        int len = compacted ? layout.compactedSize(formatBits) : layout.standardSize(rfbm);
        byte[] area = c.mmu().read(la, len, Mmu.Access.READ, who);
        byte[] kvm = c.cpu().xsave();
        ByteBuffer a = le(area), k = le(kvm);
        long kvmBv = k.getLong(XSTATE_BV);
        if ((rfbm & ((1L << SSE) | (1L << AVX))) != 0) {
            int mxcsr = a.getInt(MXCSR);
            int mask = k.getInt(MXCSR_MASK) == 0 ? 0xFFBF : k.getInt(MXCSR_MASK);
            if ((mxcsr & ~mask) != 0) throw new Fault.Raised(Fault.gp(0));
            if (!compacted || (xstateBv & ((1L << SSE) | (1L << AVX))) != 0) {
                k.putInt(MXCSR, mxcsr);
            } else {
                k.putInt(MXCSR, 0x1F80); // compacted form, SSE and AVX both init: MXCSR takes its init value
            }
        }
        if ((rfbm & (1L << X87)) != 0) {
            if ((xstateBv & (1L << X87)) != 0) {
                System.arraycopy(area, 0, kvm, 0, 24);
                System.arraycopy(area, 32, kvm, 32, 128);
            } else {
                Arrays.fill(kvm, 0, 24, (byte) 0);
                Arrays.fill(kvm, 32, 160, (byte) 0);
                k.putShort(0, (short) 0x037F); // FCW init
            }
            kvmBv |= 1L << X87;
        }
        if ((rfbm & (1L << SSE)) != 0) {
            if ((xstateBv & (1L << SSE)) != 0) System.arraycopy(area, 160, kvm, 160, 256);
            else Arrays.fill(kvm, 160, 416, (byte) 0);
            kvmBv |= 1L << SSE;
        }
        int[] at = compacted ? layout.compactedOffsets(formatBits) : layout.offset();
        for (int n = 2; n < XsaveLayout.COMPONENTS; n++) {
            long bit = 1L << n;
            if ((rfbm & bit) == 0) continue;
            int off = layout.offset()[n], size = layout.size()[n];
            if ((xstateBv & bit) != 0) {
                System.arraycopy(area, at[n], kvm, off, size);
                kvmBv |= bit;
            } else {
                Arrays.fill(kvm, off, off + size, (byte) 0);
                kvmBv &= ~bit;
            }
        }
        if ((rfbm & ((1L << SSE) | (1L << AVX))) != 0) kvmBv |= 1L << SSE; // carries MXCSR into KVM
        k.putLong(XSTATE_BV, kvmBv);
        k.putLong(XCOMP_BV, 0);
        c.cpu().setXsave(kvm);
        return String.format("[0x%x] rfbm 0x%x xstate_bv 0x%x%s", la, rfbm, xstateBv, compacted ? " compacted" : "");
    }
}
