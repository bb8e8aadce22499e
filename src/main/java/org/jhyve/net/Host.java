package org.jhyve.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The host's network tools (iproute2, nft or iptables, dnsmasq) run as child processes, and
 * the kernel's view through /sys and /proc (which `ip netns exec` shows for the namespace the
 * command runs in). Every command that changes something is echoed with -v.
 */
final class Host {
    /** A finished command. */
    record Result(int rc, String out, String err) {
        boolean ok() { return rc == 0; }
    }

    /** A command that had to succeed and did not. */
    static final class CommandFailed extends RuntimeException {
        CommandFailed(List<String> cmd, Result r) {
            super(String.join(" ", cmd) + " failed (status " + r.rc + "): " + (r.err + r.out).strip());
        }
    }

    private final boolean verbose;

    Host(boolean verbose) { this.verbose = verbose; }

    /** Runs cmd; throws CommandFailed unless it succeeds. */
    Result must(String... cmd) {
        Result r = run(cmd);
        if (!r.ok()) throw new CommandFailed(List.of(cmd), r);
        return r;
    }

    /** Runs cmd, input on stdin; throws CommandFailed unless it succeeds. */
    Result mustWithInput(String input, String... cmd) {
        Result r = runWithInput(input, cmd);
        if (!r.ok()) throw new CommandFailed(List.of(cmd), r);
        return r;
    }

    Result run(String... cmd) { return runWithInput(null, cmd); }

    Result runWithInput(String input, String... cmd) {
        if (verbose) System.err.println("+ " + String.join(" ", cmd));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            if (input == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            if (input != null) {
                try (var in = p.getOutputStream()) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            CompletableFuture<String> out = drain(p.getInputStream()), err = drain(p.getErrorStream());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(124, "", cmd[0] + " did not finish within 60 s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            return new Result(127, "", "cannot run " + cmd[0] + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "", "interrupted");
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    /** Whether a program is on PATH (or in the sbin directories). */
    boolean has(String program) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) return true;
        }
        return false;
    }

    boolean linkExists(String name) { return Files.exists(Path.of("/sys/class/net", name)); }

    boolean isBridge(String name) { return Files.isDirectory(Path.of("/sys/class/net", name, "bridge")); }

    boolean isTap(String name) { return Files.exists(Path.of("/sys/class/net", name, "tun_flags")); }

    /** The bridge an interface is enslaved to, or null. */
    String masterOf(String name) {
        Path p = Path.of("/sys/class/net", name, "master");
        try {
            return Files.isSymbolicLink(p) ? Files.readSymbolicLink(p).getFileName().toString() : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ports of a bridge, sorted. */
    List<String> bridgePorts(String bridge) {
        Path dir = Path.of("/sys/class/net", bridge, "brif");
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String readSys(String path) {
        try {
            return Files.readString(Path.of(path)).strip();
        } catch (IOException e) {
            return "";
        }
    }

    void writeSys(String path, String value) {
        if (verbose) System.err.println("+ echo " + value + " > " + path);
        try {
            Files.writeString(Path.of(path), value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** The interface's addresses in CIDR form ("192.0.2.2/24"), IPv4 and global IPv6, in order. */
    List<String> addresses(String dev) {
        List<String> out = new ArrayList<>();
        for (String line : must("ip", "-o", "addr", "show", "dev", dev).out.lines().toList()) {
            String[] w = line.trim().split("\\s+");
            for (int i = 0; i + 1 < w.length; i++) {
                if ((w[i].equals("inet") || w[i].equals("inet6")) && !line.contains(" scope link") && !line.contains(" scope host")) {
                    out.add(w[i + 1]);
                }
            }
        }
        return out;
    }

    /** The routes through dev that are not the kernel's own prefix routes ("default via X", ...). */
    List<String> gatewayRoutes(String dev, String family) {
        List<String> out = new ArrayList<>();
        for (String line : must("ip", family, "route", "show", "dev", dev).out.lines().toList()) {
            if (line.contains(" via ")) out.add(line.replaceAll("\\s+proto \\S+", "").replaceAll("\\s+", " ").strip());
        }
        return out;
    }
}
