package org.jhyve.vm;

import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * MSRs that KVM does not know exit to us (KVM_CAP_X86_USER_SPACE_MSR, reason UNKNOWN). With
 * x86.strictmsr (bhyve's default) the guest gets #GP, as on hardware; with -w reads give 0 and
 * writes are dropped. Each MSR is logged once so a chatty guest cannot flood the log.
 */
final class Msrs {
    private static final int FILTER = 1 << 2; // KVM_MSR_EXIT_REASON_FILTER
    private final boolean strict;
    private final Set<Long> logged = ConcurrentHashMap.newKeySet();

    Msrs(boolean strict) { this.strict = strict; }

    void handle(Vcpu vcpu, MemorySegment run, boolean write) {
        long e = org.jhyve.sys.KvmVcpu.RUN_EXIT;
        int index = run.get(JAVA_INT, e + 12);
        if (run.get(JAVA_INT, e + 8) == FILTER && write && index == SyscallEntryFix.MSR_LSTAR && vcpu.vm().syscallFix() != null) {
            vcpu.vm().syscallFix().onLstarWrite(vcpu, run.get(JAVA_LONG, e + 16));
            run.set(JAVA_BYTE, e, (byte) 0);
            return;
        }
        long key = Integer.toUnsignedLong(index) | (write ? 1L << 32 : 0);
        if (logged.add(key)) {
            System.err.printf("jhyve: vcpu %d: %s unknown MSR 0x%x%s%n", vcpu.id(), write ? "wrmsr to" : "rdmsr from",
                    index, strict ? " (#GP; -w ignores it)" : " (ignored, -w)");
        }
        if (strict) {
            run.set(JAVA_BYTE, e, (byte) 1);
        } else {
            run.set(JAVA_BYTE, e, (byte) 0);
            if (!write) run.set(JAVA_LONG, e + 16, 0L);
        }
    }
}
