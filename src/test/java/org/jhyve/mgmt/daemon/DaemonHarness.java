package org.jhyve.mgmt.daemon;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jhyve.home.HomeState;
import org.jhyve.home.VmHomes;
import org.jhyve.mgmt.virsh.Jvirsh;

/**
 * jhyved as a child process on a temporary socket and state, run, log directories, with jhyve
 * (and jhyveload, jvirsh) from target/classes through small scripts; jvirsh runs in the test's
 * JVM. VM homes and guest RAM files go where JHYVE_VMM_DIR and JHYVE_SHM_DIR say (surefire points
 * them into target/); {@link #assertNoHomesLeft} checks that the daemon removed those of the
 * domains a test used. Closing it destroys what still runs: the VMs (by their pid files), the
 * daemon, then what the VMs left in their homes.
 */
final class DaemonHarness implements AutoCloseable {
    record Result(int status, String out, String err) {
        String describe() { return "status " + status + "\n--- out:\n" + out + "--- err:\n" + err; }
    }

    final Path dir, socket, state, run, logs, bin;
    private final List<String> extraArgs;
    private Process daemon;
    private final List<Path> daemonLogs = new ArrayList<>();
    private final java.util.Set<String> domains = new java.util.TreeSet<>();

    DaemonHarness(Path dir, String... extraArgs) throws IOException {
        this.dir = dir;
        this.socket = dir.resolve("jhyved.sock");
        this.state = dir.resolve("state");
        this.run = dir.resolve("run");
        this.logs = dir.resolve("log");
        this.bin = dir.resolve("bin");
        this.extraArgs = List.of(extraArgs);
        Files.createDirectories(bin);
        script("jhyve", "org.jhyve.cli.Jhyve", "-Xss512k");
        script("jhyveload", "org.jhyve.cli.Jhyveload", "");
        script("jvirsh", "org.jhyve.mgmt.virsh.Jvirsh", "");
    }

    static String java() { return Path.of(System.getProperty("java.home"), "bin", "java").toString(); }

    static String classes() {
        try {
            return Path.of(Jvirsh.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A launcher script in bin/ for a main class from target/classes. */
    Path script(String name, String mainClass, String opts) throws IOException {
        var p = bin.resolve(name);
        Files.writeString(p, "#!/bin/sh\nexec " + java() + " --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC "
                + "-XX:TieredStopAtLevel=1 " + opts + " -cp " + classes() + " " + mainClass + " \"$@\"\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    static Path kernel() {
        var p = Path.of("guests", "build", "testguest.elf").toAbsolutePath();
        if (!Files.isRegularFile(p)) fail("test guest " + p + " is missing: build it with make -C guests (mvn test does)");
        return p;
    }

    /** Domain XML for the test guest in a mode, with one nmdm console and the given extra elements. */
    static String guestXml(String name, String mode, String extra) {
        return """
                <domain type='bhyve'>
                  <name>%s</name>
                  <memory unit='MiB'>64</memory>
                  <vcpu>1</vcpu>
                  <os>
                    <type>hvm</type>
                    <kernel>%s</kernel>
                    <cmdline>%s</cmdline>
                  </os>
                  %s
                  <devices>
                    <serial type='nmdm'/>
                  </devices>
                </domain>
                """.formatted(name, kernel(), mode, extra);
    }

    void startDaemon(String... more) throws IOException {
        var cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", classes(), Jhyved.class.getName(), "--socket", socket.toString(),
                "--state-dir", state.toString(), "--run-dir", run.toString(), "--log-dir", logs.toString(),
                "--jhyve", bin.resolve("jhyve").toString()));
        cmd.addAll(extraArgs);
        cmd.addAll(List.of(more));
        var log = dir.resolve("jhyved-" + daemonLogs.size() + ".log");
        daemonLogs.add(log);
        daemon = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await("jhyved listens on " + socket, 30, () -> read(log).contains("listening on " + socket));
    }

    /** Stops the daemon with SIGTERM (VMs keep running) and waits for it. */
    void stopDaemon() throws InterruptedException {
        daemon.destroy();
        if (!daemon.waitFor(20, TimeUnit.SECONDS)) {
            daemon.destroyForcibly();
            fail("jhyved did not stop on SIGTERM\n" + daemonLog());
        }
    }

    /** Kills the daemon with SIGKILL, as a crash would. */
    void killDaemon() throws InterruptedException {
        daemon.destroyForcibly();
        daemon.waitFor(20, TimeUnit.SECONDS);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    String daemonLog() {
        var sb = new StringBuilder();
        for (var p : daemonLogs) {
            try {
                sb.append(Files.readString(p));
            } catch (IOException e) {
                sb.append("(no ").append(p).append(")\n");
            }
        }
        return sb.toString();
    }

    Map<String, String> env() {
        var env = new HashMap<String, String>();
        env.put("JHYVE_SOCKET", socket.toString());
        return env;
    }

    Result virsh(String... args) { return virsh(InputStream.nullInputStream(), args); }

    Result virsh(InputStream in, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int st = Jvirsh.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env(), in);
        return new Result(st, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs jvirsh and fails the test (with the daemon's log) when it does not succeed. */
    Result ok(String... args) {
        var r = virsh(args);
        if (r.status() != 0) fail("jvirsh " + String.join(" ", args) + " failed: " + r.describe() + "\n--- jhyved:\n" + daemonLog()
                + "\n--- domain logs:\n" + domainLogs());
        return r;
    }

    static InputStream input(String text) { return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)); }

    Path define(String name, String xml) throws IOException {
        domains.add(name);
        var f = dir.resolve(name + ".xml");
        Files.writeString(f, xml);
        ok("define", f.toString());
        return f;
    }

    String state(String name) { return ok("domstate", name, "--reason").out().strip(); }

    String consoleLog(String name) {
        try {
            return Files.readString(logs.resolve(name + ".console.log"));
        } catch (IOException e) {
            return "";
        }
    }

    String domainLogs() {
        var sb = new StringBuilder();
        try (var s = Files.list(logs)) {
            for (var p : s.sorted().toList()) sb.append("== ").append(p.getFileName()).append('\n').append(Files.readString(p));
        } catch (IOException e) {
            sb.append("(no logs)");
        }
        return sb.toString();
    }

    void await(String what, int seconds, BooleanSupplier cond) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + seconds + " s waiting for: " + what + "\n--- jhyved:\n" + daemonLog()
                        + "\n--- domain logs:\n" + domainLogs());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    long jhyvePid(String name) {
        try {
            return Long.parseLong(Files.readString(run.resolve(name + ".pid")).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Notes a domain the test runs without {@link #define} (create), for the home checks. */
    void uses(String name) { domains.add(name); }

    static VmHomes homes() { return VmHomes.fromEnvironment(); }

    /** Where guest RAM files go (JHYVE_SHM_DIR, else RamDir's choice). */
    static Path shmDir() {
        var s = System.getenv(VmHomes.SHM_ENV);
        return s == null || s.isEmpty() ? org.jhyve.home.RamDir.resolve() : Path.of(s);
    }

    /** The guest RAM files of a domain: jhyve-NAME-XXXXXXXX. */
    static List<Path> ramFiles(String name) {
        try (var s = Files.list(shmDir())) {
            return s.filter(p -> p.getFileName().toString().matches("jhyve-" + java.util.regex.Pattern.quote(name)
                    + "-[0-9a-f]+")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Fails when a domain the test used still has a VM home or a guest RAM file. */
    void assertNoHomesLeft() {
        var left = new ArrayList<String>();
        for (var n : domains) {
            homes().home(n).status().ifPresent(st -> left.add(st.line().strip() + " in " + homes().root()));
            for (var f : ramFiles(n)) left.add(f.toString());
        }
        if (!left.isEmpty()) fail("left behind:\n" + String.join("\n", left) + "\n--- jhyved:\n" + daemonLog()
                + "\n--- domain logs:\n" + domainLogs());
    }

    @Override
    public void close() throws Exception {
        // VMs first (their pid files), then the daemon
        try (var s = Files.list(run)) {
            for (var p : s.filter(x -> x.toString().endsWith(".pid")).toList()) {
                try {
                    long pid = Long.parseLong(Files.readString(p).strip());
                    ProcessHandle.of(pid).ifPresent(h -> {
                        h.destroyForcibly();
                        try {
                            h.onExit().get(10, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            System.err.println("DaemonHarness: jhyve pid " + pid + " did not end on SIGKILL: " + e);
                        }
                    });
                } catch (IOException | NumberFormatException e) {
                    // gone already
                }
            }
        } catch (IOException e) {
            // no run dir
        }
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) daemon.destroyForcibly();
        }
        // a failed test may leave killed VMs' homes: they would refuse the names in later runs
        for (var n : domains) {
            var h = homes().home(n);
            try {
                var st = h.status();
                if (st.isPresent() && st.get().state() != HomeState.RUNNING && st.get().state() != HomeState.LOADING) {
                    h.acquire("DaemonHarness", false, true).destroy();
                }
            } catch (RuntimeException e) {
                System.err.println("DaemonHarness: cannot remove " + h.dir() + ": " + e.getMessage());
            }
        }
    }
}
