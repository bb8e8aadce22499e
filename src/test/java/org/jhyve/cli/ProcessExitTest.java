package org.jhyve.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessExitTest {
    private static byte[] cmdline(String... args) {
        return (String.join("\0", args) + "\0").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theJvmOptionsAreThoseBeforeTheClassPathOrMainClass() {
        assertEquals(List.of("--enable-native-access=ALL-UNNAMED", "-Xss512k"),
                ProcessExit.jvmOptions(cmdline("/jdk/bin/java", "--enable-native-access=ALL-UNNAMED", "-Xss512k",
                        "-cp", "target/jhyve.jar", "org.jhyve.cli.Jhyve", "-c", "2", "vm1")));
        assertEquals(List.of("-XX:+UseSerialGC"),
                ProcessExit.jvmOptions(cmdline("java", "-XX:+UseSerialGC", "Main", "-Xlog:all")));
        assertEquals(List.of(), ProcessExit.jvmOptions(cmdline("java", "-jar", "x.jar", "-XX:+Foo")));
        assertEquals(List.of("-Dx=1"), ProcessExit.jvmOptions("java\0-Dx=1".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("@opts", "-Xss512k"), ProcessExit.jvmOptions(cmdline("java", "@opts", "-Xss512k", "Main")));
    }

    @Test
    void binJhyvesOwnOptionsLeaveTheJvmNothingToWriteAtExit() {
        assertTrue(ProcessExit.quietAtExit(List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-Xss512k", "-Xms8m", "-XX:+UseCompactObjectHeaders", "-XX:-UsePerfData",
                "-XX:AOTCache=/x/target/jhyve.aot", "-Xlog:aot=off", "-Xlog:cds=off", "-XX:+UnlockDiagnosticVMOptions",
                "-XX:-AOTReplayTraining", "-Djhyve.startup.trace=true", "-XX:TieredStopAtLevel=1")));
        assertTrue(ProcessExit.quietAtExit(List.of()));
        // documented as an opt-in through JHYVE_JAVA_OPTS (BENCHMARKS.md): a plain mapping choice
        assertTrue(ProcessExit.quietAtExit(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0")));
    }

    /** Every JVM option bin/jhyve passes (root's JIT priority ones included) must be on the quiet list. */
    @Test
    void everyOptionInBinJhyveIsQuiet() throws Exception {
        List<String> options = new ArrayList<>();
        Matcher m = Pattern.compile("(?<![\\w$])(-X[^\\s\"]+|--enable-native-access=[^\\s\"]+)")
                .matcher(Files.readString(Path.of("bin/jhyve")));
        while (m.find()) options.add(m.group(1));
        assertTrue(options.contains("-XX:CompilerThreadPriority=19"), options.toString());
        assertTrue(options.contains("-XX:AOTCache=$here/../target/jhyve.aot"), options.toString());
        for (String o : options) assertTrue(ProcessExit.quietAtExit(List.of(o)), o);
    }

    @Test
    void optionsThatWriteAtExitKeepTheJvmsOwnExit() {
        for (String o : List.of("-XX:AOTCacheOutput=x.aot", "-XX:AOTMode=record", "-XX:DumpLoadedClassList=cl",
                "-XX:ArchiveClassesAtExit=a.jsa", "-Xlog:class+load:file=x.log", "-Xlog:class+load",
                "-XX:StartFlightRecording", "-agentpath:/x/libasyncProfiler.so=start", "-javaagent:a.jar",
                "-XX:+PrintCompilation", "-Xshare:dump", "-verbose:gc", "@argfile")) {
            assertFalse(ProcessExit.quietAtExit(List.of("-Xss512k", o)), o);
        }
    }
}
