package org.jhyve.vm.emul;

import org.jhyve.KvmAvailable;
import org.jhyve.vm.ExitStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The emulation fallback on real KVM: long-mode ring-0 guests from guests/emul execute what
 * KVM's emulator refuses on this kind of machine. Where the host runs ring 0 natively (VT-x,
 * AMD-V) the same guests pass without ever reaching jhyve's emulator.
 */
@Tag("kvm")
class EmulationKvmTest {
    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    private static void finished(LongModeGuest.Result r) {
        assertEquals(ExitStatus.HALT, r.outcome().status(), r.outcome().reason());
        assertTrue(r.finished(), "guest did not reach its end marker");
    }

    @Test
    void softwareInterruptsReachTheirHandlersAndReturnAfterTheInstruction() {
        AtomicReference<java.util.Map<String, Long>> counted = new AtomicReference<>();
        LongModeGuest.Result r = LongModeGuest.run("int", LongModeGuest.CR4, null,
                vm -> counted.set(vm.vcpus().getFirst().emulatedCounts()));
        finished(r);
        // what jhyvectl --get-stats lists: three INT n, one INT3, the #GP of the bad gate
        assertEquals(java.util.Map.of("int", 3L, "int3", 1L, "fault raised", 1L), counted.get());
        for (int slot = 0; slot < 4; slot++) {
            int s = slot * 0x40;
            assertEquals(1, r.q(s + 56), "handler " + slot + " ran once");
            assertEquals(r.q(0x800 + 8 * slot), r.q(s), "return RIP of handler " + slot);
            assertEquals(0x08, r.q(s + 8), "pushed CS");
            assertEquals(LongModeGuest.STACK, r.q(s + 24), "pushed RSP");
        }
        assertEquals(0, r.q(0x40 + 40) & 0x200, "interrupt gate clears IF");
        assertEquals(0x200, r.q(0x80 + 40) & 0x200, "trap gate keeps IF");
        assertEquals(LongModeGuest.IST1 - 40, r.q(0xC0 + 48), "IST1 stack for vector 0x42");
        assertEquals(LongModeGuest.STACK - 40, r.q(0x40 + 48));
        // Vector 0x43's gate has the wrong type: #GP(0x43*8+2) at the INT instruction itself.
        assertEquals(1, r.q(0x100 + 56));
        assertEquals(r.q(0x820), r.q(0x100), "#GP points at the INT");
        assertEquals(0x43 * 8 + 2, r.q(0x140));
        assertEquals(0x1234, r.q(0x828), "registers survive");
    }

    @Test
    void cmpxchg16bIsAtomicCompareAndSwap() {
        LongModeGuest.Result r = LongModeGuest.run("cmpxchg16b", LongModeGuest.CR4, null, null);
        finished(r);
        byte[] a = r.area();
        assertEquals(1, a[0], "equal: ZF set");
        assertEquals(0, a[1], "different: ZF clear");
        assertEquals(0x11, r.q(8), "RAX loaded with the old low half");
        assertEquals(0x22, r.q(16), "RDX loaded with the old high half");
        assertEquals(1, a[2], "RIP-relative operand swapped");
        assertEquals(0x55, r.q(24));
        assertEquals(0x66, r.q(32));
        assertEquals(1, a[3], "base+index*scale+disp operand swapped");
        assertEquals(0x99, r.q(40));
        assertEquals(0xAA, r.q(48));
        assertEquals(1, r.q(0x100 + 56), "misaligned operand raised #GP once");
        assertEquals(0, r.q(0x140), "#GP(0)");
    }

    @Test
    void xrstorLoadsTheVcpuAndXsaveStoresIt() {
        AtomicReference<byte[]> state = new AtomicReference<>();
        LongModeGuest.Result r = LongModeGuest.run("xsave", LongModeGuest.CR4 | Regs.CR4_OSXSAVE,
                v -> v.setXcr(0, 7), vm -> state.set(vm.vcpus().get(0).kvm().getXsave()));
        finished(r);
        ByteBuffer k = ByteBuffer.wrap(state.get()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x027F, k.getShort(0), "FCW in the vCPU");
        assertEquals(0x7F80, k.getInt(24), "MXCSR in the vCPU");
        assertEquals(0x1111_1111_1111_1111L, k.getLong(160), "XMM0");
        assertEquals(0x1212_1212_1212_1212L, k.getLong(168));
        assertEquals(0x2222_2222_2222_2222L, k.getLong(576), "YMM0 upper half");
        assertEquals(0x2323_2323_2323_2323L, k.getLong(584));
        assertEquals(0x027F, r.q(0x400) & 0xFFFF, "XSAVE: FCW");
        assertEquals(0x7F80, r.q(0x400 + 24) & 0xFFFF_FFFFL, "XSAVE: MXCSR");
        assertEquals(0x1111_1111_1111_1111L, r.q(0x400 + 160), "XSAVE: XMM0");
        assertEquals(0x2222_2222_2222_2222L, r.q(0x400 + 576), "XSAVE: YMM0 high");
        assertEquals(7, r.q(0x400 + 512) & 7, "XSAVE: XSTATE_BV");
        assertEquals(0x8000_0000_0000_0006L, r.q(0x800 + 520), "XSAVEC: XCOMP_BV");
        assertEquals(0x2222_2222_2222_2222L, r.q(0x800 + 576), "XSAVEC: YMM0 high, compacted");
    }
}
