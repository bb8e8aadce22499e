package org.jhyve.vm;

import org.jhyve.vm.emul.Fault;
import org.jhyve.vm.emul.KvmCpuState;
import org.jhyve.vm.emul.Mmu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Completes a SYSCALL that the host's KVM left unfinished. On hosts whose KVM is the PVM module
 * (this project's nested machines: guest user mode runs natively, guest kernel mode is emulated)
 * a SYSCALL from guest user mode loads RIP from LSTAR, RCX, R11 and the masked RFLAGS, but
 * stays at user privilege, so the fetch of the kernel's entry code raises a user-mode page
 * fault at RIP = CR2 = LSTAR and the kernel kills the process. No exit reaches jhyve there.
 *
 * <p>The page fault does reach the guest kernel's #PF handler, which runs at CPL 0 (emulated),
 * and KVM honours a guest-debug instruction breakpoint there. So once the guest has set LSTAR
 * (a write jhyve intercepts), jhyve puts a breakpoint on the handler named by IDT vector 14 and,
 * when the exception frame on the stack is that of a lost SYSCALL (CS at CPL 3, RIP = CR2 =
 * LSTAR), turns the handler's entry into the SYSCALL's: RIP = LSTAR, RSP = the user RSP from
 * the frame, RFLAGS = the masked flags without RF. The vCPU is already at CPL 0 with the kernel
 * CS. R11 (the user's saved RFLAGS) gets RF, which makes Linux return with IRETQ, which this
 * host runs, instead of SYSRET, which neither it nor KVM's emulator can carry out from there;
 * RF only suppresses instruction breakpoints for one user instruction. For any other page
 * fault jhyve performs the handler's first instruction (CLAC, a NOP or ENDBR64 in Linux) and
 * resumes after it; an entry it does not know runs single-stepped with the breakpoint off (RF
 * does not suppress it on this host), then the breakpoint is put back.
 *
 * <p>On hosts with hardware virtualization SYSCALL works and this is off ({@code auto}).
 */
final class SyscallEntryFix {
    static final int MSR_LSTAR = 0xC000_0082;
    private static final long RF = 1L << 16, AC = 1L << 18;
    private static final int GUESTDBG_ENABLE = 1, GUESTDBG_SINGLESTEP = 2, GUESTDBG_USE_HW_BP = 0x20000;
    private static final long DR7_L0 = 1, DR7_FIXED = 0x400;

    /** Whether the host's KVM is the PVM module, whose SYSCALL needs this. */
    static boolean hostNeedsIt() { return Files.isDirectory(Path.of("/sys/module/kvm_pvm")); }

    private final GuestMemory memory;
    private final long[] lstar;
    private final long[] handler;
    private final boolean[] stepping;

    SyscallEntryFix(GuestMemory memory, int vcpus) {
        this.memory = memory;
        this.lstar = new long[vcpus];
        this.handler = new long[vcpus];
        this.stepping = new boolean[vcpus];
    }

    /** The guest wrote LSTAR (intercepted): write it for real and watch the #PF handler. */
    void onLstarWrite(Vcpu v, long value) {
        v.kvm().setMsrs(new long[][] {{MSR_LSTAR, value}});
        lstar[v.id()] = value;
        arm(v);
    }

    private void arm(Vcpu v) {
        long h;
        try (KvmCpuState cpu = new KvmCpuState(v.kvm())) {
            h = pageFaultHandler(cpu);
        }
        if (h == 0 || h == handler[v.id()]) return;
        handler[v.id()] = h;
        setBreakpoint(v, h);
    }

    private static void setBreakpoint(Vcpu v, long at) {
        v.kvm().setGuestDebug(GUESTDBG_ENABLE | GUESTDBG_USE_HW_BP, new long[] {at, 0, 0, 0, 0, 0, 0, DR7_FIXED | DR7_L0});
    }

    /** The 64-bit IDT's gate 14 target, 0 when the IDT is not readable yet. */
    private long pageFaultHandler(KvmCpuState cpu) {
        var idt = cpu.idt();
        if (idt.limit() < 14 * 16 + 15 || !cpu.longMode64()) return 0;
        try {
            byte[] g = new Mmu(cpu, memory).read(idt.base() + 14 * 16, 16, Mmu.Access.READ, Mmu.Mode.IMPLICIT);
            ByteBuffer b = ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN);
            return (b.getShort(0) & 0xFFFFL) | ((b.getShort(6) & 0xFFFFL) << 16) | ((b.getInt(8) & 0xFFFF_FFFFL) << 32);
        } catch (Fault.Raised | GuestMemory.GuestMemoryException e) {
            return 0;
        }
    }

    /** A KVM_EXIT_DEBUG: returns false when it is not this breakpoint's (or its single step). */
    boolean onDebugExit(Vcpu v, long pc) {
        int id = v.id();
        if (stepping[id]) {
            stepping[id] = false;
            setBreakpoint(v, handler[id]);
            return true;
        }
        if (handler[id] == 0 || pc != handler[id]) return false;
        try (KvmCpuState cpu = new KvmCpuState(v.kvm())) {
            long[] frame = readFrame(cpu);
            if (frame != null && (frame[2] & 3) == 3 && frame[1] == lstar[id] && cpu.cr2() == lstar[id]) {
                cpu.setRip(lstar[id]);
                cpu.setGpr(KvmCpuState.RSP, frame[4]);
                cpu.setRflags((frame[3] & ~RF) | 2);
                cpu.setGpr(11, cpu.gpr(11) | RF);
                cpu.commit();
                return true;
            }
        }
        // A real page fault. KVM does not let RF suppress the breakpoint here, so carry out the
        // handler's first instruction here when it is one of the few Linux starts its #PF entry
        // with; otherwise step over it with the breakpoint off, then put the breakpoint back.
        if (skipFirstInstruction(v, pc)) return true;
        stepping[id] = true;
        v.kvm().setGuestDebug(GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP, new long[8]);
        return true;
    }

    /**
     * Performs the instruction at the handler's entry when it is CLAC (ASM_CLAC where the guest
     * has SMAP), its 3-byte NOP (where it has not) or ENDBR64: one register write instead of two
     * guest-debug changes and a single-step exit per page fault. Read each time, because the
     * kernel patches the CLAC in after it set LSTAR.
     */
    private boolean skipFirstInstruction(Vcpu v, long pc) {
        try (KvmCpuState cpu = new KvmCpuState(v.kvm())) {
            byte[] i;
            try {
                i = new Mmu(cpu, memory).read(pc, 4, Mmu.Access.FETCH, Mmu.Mode.SUPERVISOR);
            } catch (Fault.Raised | GuestMemory.GuestMemoryException e) {
                return false;
            }
            int length = firstInstructionLength(i);
            if (length == 0) return false;
            if (isClac(i)) cpu.setRflags(cpu.rflags() & ~AC);
            cpu.setRip(pc + length);
            cpu.commit();
            return true;
        }
    }

    /** The length of CLAC, NOPL (%rax) or ENDBR64 at the start of {@code i}; 0 for anything else. */
    static int firstInstructionLength(byte[] i) {
        if (isClac(i)) return 3;
        if (i[0] == 0x0F && i[1] == 0x1F && i[2] == 0x00) return 3;
        if (i[0] == (byte) 0xF3 && i[1] == 0x0F && i[2] == 0x1E && i[3] == (byte) 0xFA) return 4;
        return 0;
    }

    private static boolean isClac(byte[] i) { return i[0] == 0x0F && i[1] == 0x01 && i[2] == (byte) 0xCA; }

    /** error code, RIP, CS, RFLAGS, RSP, SS as the processor pushed them; null if unreadable. */
    private long[] readFrame(KvmCpuState cpu) {
        try {
            byte[] f = new Mmu(cpu, memory).read(cpu.gpr(KvmCpuState.RSP), 48, Mmu.Access.READ, Mmu.Mode.SUPERVISOR);
            ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
            long[] r = new long[6];
            for (int i = 0; i < 6; i++) r[i] = b.getLong(8 * i);
            return r;
        } catch (Fault.Raised | GuestMemory.GuestMemoryException e) {
            return null;
        }
    }
}
