package org.jhyve.cli;

import org.jhyve.sys.Libc;
import org.jhyve.sys.StartupTrace;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Gives the JIT compiler threads their normal priority back after the start. Run as root,
 * bin/jhyve starts the JVM with its compiler threads at nice 19 (ThreadPriorityPolicy=1,
 * CompilerThreadPriority=19): during a start nearly everything runs once, and on a host with
 * few free cores the compilers would otherwise take CPU from the main and vCPU threads for code
 * that is already behind them (trivial guest here: start-to-exit ~13 ms shorter, BENCHMARKS.md).
 * A long-running VM needs its device paths compiled even on a busy host, so once the start is
 * over the compilers return to nice 0, which only root may do (hence root only).
 */
final class JitPriority {
    private JitPriority() {}

    /** How long after the downcall is linked (LinkAhead) the compilers stay at nice 19. */
    static final long START_MS = 400;
    static final int START_NICE = 19;

    /** Waits out the start, then sets the compiler threads bin/jhyve lowered back to nice 0. */
    static void restoreAfterStart() {
        if (Libc.geteuid() != 0) return;   // bin/jhyve lowers them only for root, who alone may raise them again
        try {
            Thread.sleep(START_MS);
        } catch (InterruptedException e) {
            return;
        }
        int restored = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    if (!isCompiler(Files.readString(task.resolve("comm")))) continue;
                    int tid = Integer.parseInt(task.getFileName().toString());
                    // Only bin/jhyve's value is undone: a compiler priority given in JHYVE_JAVA_OPTS stays.
                    if (Libc.threadNice(tid) == START_NICE) {
                        Libc.setThreadNice(tid, 0);
                        restored++;
                    }
                } catch (IOException | RuntimeException e) {
                    // a thread that ended during the scan: nothing to restore there
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: the JIT keeps nice 19, which costs speed only
        }
        StartupTrace.mark("jit compilers at nice 0 again: " + restored);
    }

    /** HotSpot's compiler threads, by their kernel name ("C1 CompilerThre", "C2 CompilerThre", truncated to 15 bytes). */
    static boolean isCompiler(String comm) {
        return comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre");
    }
}
