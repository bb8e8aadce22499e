package org.jhyve.sys;

import java.lang.foreign.MemorySegment;

/**
 * Kicking a vCPU thread out of KVM_RUN. A signal interrupts the ioctl with EINTR; its handler is
 * one {@code ret} instruction in an executable page, because an FFM upcall as a signal handler
 * aborts HotSpot. The caller sets kvm_run.immediate_exit first so a kick that lands just before
 * KVM_RUN is entered is not lost. SIGUSR1 is free in HotSpot (it uses SIGUSR2 and SIGRTMAX-2).
 */
public final class Kick {
    public static final int SIGNAL = Libc.SIGUSR1;
    private static volatile boolean installed;

    private Kick() {}

    public static synchronized void install() {
        if (installed) return;
        MemorySegment page = Libc.mmap(4096, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0, "signal handler page");
        page.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 0xC3); // ret
        Libc.mprotect(page, Libc.PROT_READ | Libc.PROT_EXEC);
        Libc.sigaction(SIGNAL, page);
        installed = true;
    }

    /** Sends the kick signal to a thread of this process, by kernel thread id. */
    public static void send(int tid) {
        Libc.tgkill(tid, SIGNAL);
    }
}
