package org.jhyve.cli;

import org.jhyve.sys.Kick;
import org.jhyve.sys.Libc;
import org.jhyve.sys.StartupTrace;

/**
 * Links the FFM downcall (org.jhyve.sys.Libc's syscall handle) on a second thread while the main
 * thread parses options and checks the configuration. The first link spins LambdaForms and the
 * downcall stub (the AOT cache keeps none of them) and is the largest single start-up cost; the
 * main thread's first system call then waits only for what is left of it (class initialisation
 * is the JVM's lock, so the two threads never link twice). Once linked, the thread does what
 * would otherwise land on the main or vCPU thread during the start and needs no VM: it has the
 * syscall handle customised and installs the kick handler. Then it works out how the process
 * will end (ProcessExit.prepare) and stays to give the JIT its priority back once the start is
 * over (JitPriority).
 */
final class LinkAhead implements Runnable {
    private LinkAhead() {}

    static void start() {
        Thread t = new Thread(new LinkAhead(), "jhyve-link-ahead");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void run() {
        try {
            Libc.getpid();
        } catch (Throwable e) {
            return;   // the main thread's own first call reports whatever is wrong with the native access
        }
        StartupTrace.mark("downcall linked");
        // Both before the main thread needs them: the syscall handle's 128th call comes during
        // the VM's creation, the kick handler at its end.
        Libc.customizeSyscallHandle();
        StartupTrace.mark("syscall handle customised");
        try {
            Kick.install();
            StartupTrace.mark("kick handler installed");
        } catch (RuntimeException e) {
            // the VM's creation installs it again and says what failed
        }
        ProcessExit.prepare();
        JitPriority.restoreAfterStart();
    }
}
