package org.jhyve.cli;

import org.jhyve.sys.Libc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Ends the jhyve process once the VM is gone. Runtime.halt still takes the JVM through its exit
 * at a safepoint, where it waits for compiler threads to finish what they compile (in 10 ms
 * steps): ~4-5 ms of every guest power-off → exit here. Nothing jhyve needs happens there (halt
 * runs no shutdown hooks), so when the JVM has nothing of its own to write at exit, the process
 * ends with exit_group right after Java's streams are flushed. JVM options that do write at exit
 * (an AOT cache or class list being recorded, -Xlog to a buffered file, JFR, agents...) are not
 * on the list below, and with any of them jhyve leaves through Runtime.halt as before.
 */
final class ProcessExit {
    private ProcessExit() {}

    /** JVM options that leave nothing for the JVM to do at exit: bin/jhyve's own and plain tuning. */
    private static final Set<String> QUIET_OPTIONS = Set.of("-XX:+UseSerialGC", "-XX:+UseCompactObjectHeaders",
            "-XX:-UsePerfData", "-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTReplayTraining", "-Xlog:aot=off",
            "-Xlog:cds=off", "-Xint", "-XX:ThreadPriorityPolicy=1", "-XX:-UseDynamicNumberOfCompilerThreads");
    private static final List<String> QUIET_PREFIXES = List.of("-D", "--enable-native-access=", "-Xss", "-Xms", "-Xmx",
            "-XX:AOTCache=", "-XX:TieredStopAtLevel=", "-XX:CompileThresholdScaling=", "-XX:CompilerThreadPriority=",
            "-XX:JavaPriority", "-XX:ArchiveRelocationMode=");
    /** Environment variables the java launcher reads more JVM options from. */
    private static final List<String> OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");
    private static final long SYS_EXIT_GROUP = 231;

    /** The answer of {@link #jvmIsQuietAtExit}, worked out ahead by {@link #prepare} (null: not yet). */
    private static volatile Boolean quiet;

    /**
     * Decides now whether the JVM is quiet at exit, so that exit only reads the answer: the
     * check reads /proc/self/cmdline in interpreted code, ~0.5 ms of every power-off → exit when
     * done there. LinkAhead calls it once the downcall is linked; the options cannot change.
     */
    static void prepare() {
        quiet = jvmIsQuietAtExit();
    }

    static void exit(int status) {
        System.out.flush();
        System.err.flush();
        Boolean q = quiet;
        if (q != null ? q : jvmIsQuietAtExit()) {
            try {
                Libc.syscall(SYS_EXIT_GROUP, status, 0, 0, 0, 0, 0);
            } catch (RuntimeException | LinkageError e) {
                // no native access (the error that brought us here, perhaps): the JVM's own exit
            }
        }
        Runtime.getRuntime().halt(status);
    }

    private static boolean jvmIsQuietAtExit() {
        for (String v : OPTION_VARIABLES) {
            String value = System.getenv(v);
            if (value != null && !value.isBlank()) return false;
        }
        try {
            return quietAtExit(jvmOptions(Files.readAllBytes(Path.of("/proc/self/cmdline"))));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The JVM options of a java command line (/proc/self/cmdline's NUL-separated form): those before the class path or main class. */
    static List<String> jvmOptions(byte[] cmdline) {
        String[] args = new String(cmdline, StandardCharsets.UTF_8).split("\0");
        List<String> options = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {   // args[0]: the java binary
            String a = args[i];
            if (a.startsWith("@")) {   // an argument file: options we cannot see from here
                options.add(a);
                continue;
            }
            if (!a.startsWith("-") || a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path")
                    || a.equals("-jar") || a.equals("-m") || a.equals("--module")) break;
            options.add(a);
        }
        return options;
    }

    static boolean quietAtExit(List<String> jvmOptions) {
        for (String o : jvmOptions) {
            if (QUIET_OPTIONS.contains(o)) continue;
            if (QUIET_PREFIXES.stream().anyMatch(o::startsWith)) continue;
            return false;
        }
        return true;
    }
}
