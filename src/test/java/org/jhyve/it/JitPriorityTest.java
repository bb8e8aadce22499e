package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bin/jhyve starts a root jhyve's JIT compiler threads at nice 19 (its JVM flags); jhyve sets
 * them back to 0 once the start is over, and leaves a compiler priority the user chose alone.
 * Both runs wait for jhyve's own trace line saying it is done, so no timing is assumed.
 */
@Tag("kvm")
class JitPriorityTest {
    static final String DONE = "jit compilers at nice 0 again: ";

    @BeforeEach
    void kvmAndRoot() {
        KvmAvailable.require();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) System.err.println("*** SKIPPED: JitPriorityTest needs root (bin/jhyve lowers the JIT only for root) ***");
        assumeTrue(root, "SKIPPED: not root, bin/jhyve does not lower the JIT's priority");
    }

    /** The JVM options bin/jhyve adds for root (its jit="..." assignment). */
    static List<String> binJhyveRootOptions() throws IOException {
        Matcher m = Pattern.compile("(?<![\\w$])jit=\"([^\"]+)\"").matcher(Files.readString(Path.of("bin/jhyve")));
        assertTrue(m.find(), "bin/jhyve has no jit=\"...\" options for root");
        return List.of(m.group(1).trim().split("\\s+"));
    }

    @Test
    void compilersStartAtNice19AndGetNice0BackAfterTheStart() throws Exception {
        List<String> jvm = new ArrayList<>(binJhyveRootOptions());
        assertTrue(jvm.contains("-XX:CompilerThreadPriority=19"), jvm.toString());
        jvm.add("-Djhyve.startup.trace=true");
        try (JhyveProcess p = JhyveProcess.startWithJvmOptions(jvm, TestGuest.mode("echo").args())) {
            p.awaitStdout("echo: ready");
            // jhyve counts the compiler threads it found at nice 19: at least one, or they never were
            p.awaitStderr(l -> l.matches(".*" + DONE + "[1-9][0-9]* .*"), "'" + DONE + "N' with N > 0");
            TreeMap<Integer, Integer> nice = compilerNice(p.pid());
            assertTrue(!nice.isEmpty() && nice.values().stream().allMatch(n -> n == 0), "compiler threads' nice values: " + nice);
            p.type("quit\n");
            assertEquals(1, p.await().exitCode());
        }
    }

    @Test
    void aCompilerPriorityTheUserChoseStays() throws Exception {
        List<String> jvm = new ArrayList<>(binJhyveRootOptions());
        jvm.addAll(List.of("-XX:CompilerThreadPriority=10", "-Djhyve.startup.trace=true"));   // JHYVE_JAVA_OPTS come last
        try (JhyveProcess p = JhyveProcess.startWithJvmOptions(jvm, TestGuest.mode("echo").args())) {
            p.awaitStdout("echo: ready");
            p.awaitStderrContaining(DONE + "0");
            TreeMap<Integer, Integer> nice = compilerNice(p.pid());
            assertTrue(!nice.isEmpty() && nice.values().stream().allMatch(n -> n == 10), "compiler threads' nice values: " + nice);
            p.type("quit\n");
            assertEquals(1, p.await().exitCode());
        }
    }

    /** The nice value of each of a process's C1/C2 compiler threads, by thread id. */
    static TreeMap<Integer, Integer> compilerNice(long pid) throws IOException {
        TreeMap<Integer, Integer> nice = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                String comm, stat;
                try {
                    comm = Files.readString(t.resolve("comm")).trim();
                    stat = Files.readString(t.resolve("stat"));
                } catch (java.nio.file.FileSystemException e) {
                    continue;   // a thread that ended during the scan: ENOENT, or ESRCH ("No such process")
                }
                if (!comm.startsWith("C1 CompilerThre") && !comm.startsWith("C2 CompilerThre")) continue;
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                nice.put(Integer.parseInt(t.getFileName().toString()), Integer.parseInt(f[16]));   // field 19: nice
            }
        }
        return nice;
    }
}
