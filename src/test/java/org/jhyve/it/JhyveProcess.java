package org.jhyve.it;

import org.jhyve.cli.Jhyve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * jhyve as a child process, the way a user runs it: its own JVM, real stdin/stdout/stderr, real
 * exit status and real signals. Output is collected as it arrives so that a test can wait for a
 * line (a guest's "ready") before it acts. Every wait is bounded: a hung guest kills the child
 * and fails the test with everything it printed.
 */
final class JhyveProcess implements AutoCloseable {
    /** Longest a single jhyve run may take before the test gives up (a guest run is about 0.5 s). */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** What a finished run left behind. */
    record Result(int exitCode, String stdout, String stderr, List<String> args) {
        List<String> lines() { return stdout.lines().toList(); }

        List<String> stderrLines() { return stderr.lines().toList(); }

        /** A description for assertion messages: the command line and both streams. */
        String describe() {
            return "jhyve " + String.join(" ", args) + "\n--- exit " + exitCode + "\n--- stdout:\n" + stdout
                    + "--- stderr:\n" + stderr;
        }
    }

    private final Process process;
    private final List<String> args;
    private final Collector out;
    private final Collector err;
    /** The run's own VM-home folder, removed when the run is over; null for the shared one. */
    private Path ownVmmDir;

    private JhyveProcess(Process process, List<String> args) {
        this.process = process;
        this.args = List.copyOf(args);
        this.out = new Collector(process.getInputStream(), "jhyve-it stdout");
        this.err = new Collector(process.getErrorStream(), "jhyve-it stderr");
    }

    /**
     * Where the named-VM tests keep VM homes (JHYVE_VMM_DIR): a folder of the build, so that
     * tests never touch /run/jhyve/vmm and a leftover home is visible under target/.
     */
    static Path vmmDir() {
        return Path.of("target", "it-vmm").toAbsolutePath();
    }

    /**
     * A VM-home folder of its own for one jhyve run: a test that kills its jhyve leaves a stale
     * home, which must not stop the next test that uses the same VM name.
     */
    static Path freshVmmDir() {
        try {
            Path runs = Path.of("target", "it-vmm-runs").toAbsolutePath();
            java.nio.file.Files.createDirectories(runs);
            return java.nio.file.Files.createTempDirectory(runs, "r");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a VM home folder under target/", e);
        }
    }

    /** Starts jhyve with args and VM homes of its own; stdin stays open for {@link #type} until {@link #closeStdin}. */
    static JhyveProcess start(List<String> args) {
        return start(Jhyve.class.getName(), args, freshVmmDir());
    }

    /** Starts one of jhyve's programs (its main class) with args and the shared VM homes ({@link #vmmDir}). */
    static JhyveProcess start(String mainClass, List<String> args) {
        return start(mainClass, args, vmmDir());
    }

    /**
     * Removes a run's own VM-home folder and the RAM files its homes link to in /dev/shm: what
     * a jhyve the test killed leaves behind.
     */
    static void removeVmmDir(Path dir) {
        if (dir == null || !java.nio.file.Files.isDirectory(dir)) return;
        try (var walk = java.nio.file.Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (java.nio.file.Files.isSymbolicLink(p) && p.getFileName().toString().equals("memory")) {
                    java.nio.file.Files.deleteIfExists(java.nio.file.Files.readSymbolicLink(p));
                }
                java.nio.file.Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the test's VM homes in " + dir, e);
        }
    }

    static JhyveProcess start(String mainClass, List<String> args, Path vmmDir) {
        return start(List.of(), mainClass, args, vmmDir);
    }

    /** As {@link #start(String, List, Path)}, the JVM command run through prefix (e.g. ip netns exec NS). */
    static JhyveProcess start(List<String> prefix, String mainClass, List<String> args, Path vmmDir) {
        return start(prefix, List.of(), mainClass, args, vmmDir);
    }

    /** jhyve with more JVM options (after the usual ones) and VM homes of its own. */
    static JhyveProcess startWithJvmOptions(List<String> jvmOptions, List<String> args) {
        return start(List.of(), jvmOptions, Jhyve.class.getName(), args, freshVmmDir());
    }

    private static JhyveProcess start(List<String> prefix, List<String> jvmOptions, String mainClass, List<String> args,
                                      Path vmmDir) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        // bin/jhyve's JVM settings, plus C1 only: these runs are short and C2 would only add start-up time
        cmd.addAll(List.of("-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", mainClasses().toString(), mainClass));
        cmd.addAll(args);
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("JHYVE_VMM_DIR", vmmDir.toString());
            JhyveProcess p = new JhyveProcess(pb.start(), args);
            if (!vmmDir.equals(vmmDir())) p.ownVmmDir = vmmDir;
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    /** Runs jhyve to its end with an empty stdin. */
    static Result run(List<String> args) {
        try (JhyveProcess p = start(args)) {
            p.closeStdin();
            return p.await();
        }
    }

    static Result run(String... args) { return run(List.of(args)); }

    /** Runs one of jhyve's programs to its end with an empty stdin. */
    static Result runProgram(String mainClass, String... args) {
        try (JhyveProcess p = start(mainClass, List.of(args))) {
            p.closeStdin();
            return p.await();
        }
    }

    /** The directory (target/classes) that holds the main code the test JVM loaded. */
    static Path mainClasses() {
        try {
            return Path.of(Jhyve.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the classes of " + Jhyve.class.getName(), e);
        }
    }

    /** Writes text to jhyve's stdin (the guest's COM1 with -l com1,stdio) and flushes it. */
    void type(String text) {
        try {
            OutputStream in = process.getOutputStream();
            in.write(text.getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + text.strip() + " to jhyve's stdin\n" + snapshot(), e);
        }
    }

    void closeStdin() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close jhyve's stdin", e);
        }
    }

    /** The child's process id (the jhyve JVM itself, no shell in between). */
    long pid() { return process.pid(); }

    /**
     * Sends SIGTERM, as kill(1) without options does. Through the ProcessHandle: Process.destroy
     * sends the same signal but also closes our ends of the pipes, and the test still needs them.
     */
    void sigterm() {
        if (!process.toHandle().destroy()) fail("could not send SIGTERM to jhyve (pid " + process.pid() + ")\n" + snapshot());
    }

    /** Waits until stdout has a line equal to line; fails (and kills jhyve) if it does not come. */
    void awaitStdout(String line) {
        awaitLine(out, "stdout", line::equals, "a stdout line '" + line + "'");
    }

    /** Waits until stderr has a line containing part. */
    void awaitStderrContaining(String part) {
        awaitLine(err, "stderr", l -> l.contains(part), "a stderr line containing '" + part + "'");
    }

    void awaitStderr(Predicate<String> match, String what) {
        awaitLine(err, "stderr", match, what);
    }

    /** Waits (up to timeout, for slow guests such as a stock Linux) until a stdout line matches. */
    void awaitStdout(Predicate<String> match, Duration timeout, String what) {
        awaitLine(out, "stdout", match, what, timeout);
    }

    /** Everything jhyve printed on stdout so far. */
    String stdoutSoFar() { return out.text(); }

    /** Also writes the child's stdout to file as it comes (tail -f it during a long boot). */
    void teeStdout(Path file) {
        try {
            java.nio.file.Files.createDirectories(file.getParent());
            out.tee(java.nio.file.Files.newOutputStream(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private void awaitLine(Collector c, String stream, Predicate<String> match, String what) {
        awaitLine(c, stream, match, what, TIMEOUT);
    }

    private void awaitLine(Collector c, String stream, Predicate<String> match, String what, Duration timeout) {
        if (!c.await(match, timeout)) {
            boolean alive = process.isAlive();
            String s = snapshot();
            process.destroyForcibly();
            fail("jhyve did not print " + what + " on " + stream
                    + (alive ? " within " + timeout.toSeconds() + " s" : " before its output ended") + "\n" + s);
        }
    }

    /** Waits for jhyve to exit; kills it and fails when it runs past {@link #TIMEOUT}. */
    Result await() { return await(TIMEOUT); }

    Result await(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                out.join();
                err.join();
                fail("jhyve ran longer than " + timeout.toMillis() + " ms and was killed\n" + snapshot());
            }
            out.join();
            err.join();
            return new Result(process.exitValue(), out.text(), err.text(), args);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for jhyve", e);
        }
    }

    private String snapshot() {
        return "jhyve " + String.join(" ", args) + "\n--- stdout so far:\n" + out.text() + "--- stderr so far:\n" + err.text();
    }

    boolean isAlive() { return process.isAlive(); }

    /** A test that failed half-way must not leave a guest running. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!process.isAlive()) removeVmmDir(ownVmmDir);
    }

    /** Reads one stream to its end on its own thread, keeping the text and waking waiters per line. */
    private static final class Collector {
        private final StringBuilder text = new StringBuilder();
        private final Thread thread;
        private boolean ended;
        private java.io.OutputStream tee;

        Collector(InputStream in, String name) {
            thread = Thread.ofPlatform().daemon().name(name).start(() -> pump(in));
        }

        private void pump(InputStream in) {
            byte[] buf = new byte[4096];
            try (in) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (this) {
                        text.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                        if (tee != null) {
                            tee.write(buf, 0, n);
                            tee.flush();
                        }
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                synchronized (this) {
                    text.append("\n[jhyve-it: reading the stream failed: ").append(e.getMessage()).append("]\n");
                }
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        synchronized String text() { return text.toString(); }

        /** Copies what came so far and everything after it to out (a log to follow a long boot). */
        synchronized void tee(java.io.OutputStream out) throws IOException {
            out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            tee = out;
        }

        /** True once a complete line matches; false at end of stream or after the timeout. */
        synchronized boolean await(Predicate<String> match, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (true) {
                    String t = text.toString();
                    int end = t.lastIndexOf('\n');
                    if (end >= 0 && t.substring(0, end + 1).lines().anyMatch(match)) return true;
                    if (ended) return false;
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return false;
                    wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        void join() throws InterruptedException {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }
}
