package org.jhyve.net;

import org.jhyve.sys.Libc;
import org.jhyve.sys.NetCalls;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace that a test creates and always deletes: nothing a network test does
 * touches the host's own interfaces. Java code runs inside it on a thread moved there with
 * setns(2) (threads it starts are born inside too); commands run through {@code ip netns exec}.
 */
public final class NetNamespace implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final ExecutorService inside;

    private NetNamespace(String name) {
        this.name = name;
        this.inside = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(() -> {
                int fd = Libc.open("/run/netns/" + name, Libc.O_RDONLY, 0);
                try {
                    NetCalls.setns(fd, NetCalls.CLONE_NEWNET);
                } finally {
                    Libc.close(fd);
                }
                r.run();
            }, "netns " + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Skips the calling test (loudly) unless namespaces, taps and iproute2 are usable. */
    public static void require() {
        boolean root = "0".equals(run(List.of("id", "-u")).out.strip());
        boolean ok = root && Files.exists(Path.of("/dev/net/tun"))
                && (Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")));
        if (!ok) System.err.println("*** SKIPPED: network namespace tests need root, /dev/net/tun and iproute2 ***");
        Assumptions.assumeTrue(ok, "SKIPPED: network namespace tests need root, /dev/net/tun and iproute2");
    }

    /** Skips the calling test (loudly) unless the command exists. */
    public static void requireTool(String tool) {
        boolean ok = run(List.of("sh", "-c", "command -v " + tool)).rc == 0;
        if (!ok) System.err.println("*** SKIPPED: " + tool + " is not installed ***");
        Assumptions.assumeTrue(ok, "SKIPPED: " + tool + " is not installed");
    }

    public static NetNamespace create(String purpose) {
        String name = "jh-" + purpose + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        check(run(List.of("ip", "netns", "add", name)), "ip netns add " + name);
        NetNamespace ns = new NetNamespace(name);
        ns.exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    public String name() { return name; }

    /** Runs code on a thread inside the namespace. */
    public <T> T call(Callable<T> code) throws Exception {
        Future<T> f = inside.submit(code);
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) throw ex;
            throw e;
        }
    }

    /** A finished command: status and both streams. */
    public record Result(int rc, String out, String err) {}

    /** Runs a command inside the namespace; fails the test when it fails. */
    public Result exec(String... cmd) {
        Result r = execAllowingFailure(cmd);
        check(r, String.join(" ", cmd));
        return r;
    }

    public Result execAllowingFailure(String... cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(cmd));
        return run(full);
    }

    /** The command line prefix that runs a program inside this namespace. */
    public List<String> prefix() { return List.of("ip", "netns", "exec", name); }

    static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            var out = p.getInputStream();
            var err = p.getErrorStream();
            Future<byte[]> o = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(out));
            Future<byte[]> e = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(err));
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("command timed out: " + cmd);
            }
            return new Result(p.exitValue(), new String(o.get(), StandardCharsets.UTF_8), new String(e.get(), StandardCharsets.UTF_8));
        } catch (IOException | InterruptedException | ExecutionException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e, e);
        }
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static void check(Result r, String what) {
        if (r.rc != 0) throw new AssertionError(what + " failed with status " + r.rc + ": " + r.err + r.out);
    }

    @Override
    public void close() {
        inside.shutdownNow();
        // processes a test started in here (dnsmasq) must not outlive it
        Result pids = run(List.of("ip", "netns", "pids", name));
        for (String pid : pids.out.split("\\s+")) {
            if (!pid.isBlank()) run(List.of("kill", "-9", pid.strip()));
        }
        run(List.of("ip", "netns", "del", name));
    }
}
