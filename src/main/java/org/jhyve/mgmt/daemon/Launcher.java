package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jhyve.mgmt.argv.NativeCommands;
import org.jhyve.mgmt.argv.ShellWords;

/**
 * Starts a domain's command lines outside the daemon: a small sh script (RUN_DIR/NAME.sh) runs
 * the loader, then jhyve in the background, writes jhyve's pid to NAME.pid, waits for it and
 * writes its exit status to NAME.exit ("loader N" when the loader failed; 128+SIG when a signal
 * killed jhyve). It runs in a session of its own (setsid) with its output appended to NAME.log,
 * so VMs outlive the daemon, and a restarted daemon still learns how each VM ended.
 */
final class Launcher {
    /** jhyve's line for an autopty console: "jhyve: com1: /dev/pts/5". */
    private static final Pattern PTY_LINE = Pattern.compile("^jhyve: (com[1-4]): (/dev/\\S+)$", Pattern.MULTILINE);
    static final long STARTUP_TIMEOUT_MS = 60_000;

    record Files4(Path script, Path pid, Path exit, Path log) {}

    record Started(Process wrapper, long jhyvePid, Map<String, String> consoles) {}

    private Launcher() {}

    static Files4 files(DaemonConfig cfg, String name) {
        return new Files4(cfg.runDir().resolve(name + ".sh"), cfg.runDir().resolve(name + ".pid"),
                cfg.runDir().resolve(name + ".exit"), cfg.logDir().resolve(name + ".log"));
    }

    /** The consoles jhyve will open a pty for: the COM ports of its -l comN,autopty options. */
    static List<String> ptyConsoles(List<String> jhyve) {
        var out = new ArrayList<String>();
        for (int i = 0; i + 1 < jhyve.size(); i++) {
            if (jhyve.get(i).equals("-l") && jhyve.get(i + 1).matches("com[1-4],autopty")) {
                out.add(jhyve.get(i + 1).substring(0, 4));
            }
        }
        return out;
    }

    static String script(String name, NativeCommands c, Files4 f) {
        var q = (java.util.function.Function<Path, String>) p -> ShellWords.join(List.of(p.toString()));
        var sb = new StringBuilder();
        sb.append("#!/bin/sh\n# jhyved: start script of domain ").append(name).append(" (rewritten at each start)\n");
        sb.append("rm -f ").append(q.apply(f.exit())).append(' ').append(q.apply(f.pid())).append('\n');
        if (!c.loader().isEmpty()) {
            sb.append(ShellWords.join(c.loader())).append(" || { rc=$?; echo \"loader $rc\" > ")
                    .append(q.apply(f.exit())).append(".tmp; mv ").append(q.apply(f.exit())).append(".tmp ")
                    .append(q.apply(f.exit())).append("; exit 1; }\n");
        }
        sb.append("exec 0</dev/null\n");
        sb.append(ShellWords.join(c.jhyve())).append(" &\n");
        sb.append("echo $! > ").append(q.apply(f.pid())).append(".tmp && mv ").append(q.apply(f.pid())).append(".tmp ")
                .append(q.apply(f.pid())).append('\n');
        sb.append("wait $!\n");
        sb.append("echo $? > ").append(q.apply(f.exit())).append(".tmp\n");
        sb.append("mv ").append(q.apply(f.exit())).append(".tmp ").append(q.apply(f.exit())).append('\n');
        return sb.toString();
    }

    /**
     * Writes the script and starts it, then waits until jhyve runs: its pid is known and it has
     * printed the pty of every autopty console. Fails with the log's new lines when the loader or
     * jhyve ends first.
     */
    static Started start(String name, NativeCommands c, Files4 f) throws DaemonException {
        try {
            Files.createDirectories(f.script().getParent());
            Files.createDirectories(f.log().getParent());
            if (c.deviceMap() != null) {
                Files.createDirectories(Path.of(c.deviceMapPath()).getParent());
                Files.writeString(Path.of(c.deviceMapPath()), c.deviceMap());
            }
            Files.writeString(f.script(), script(name, c, f));
            Files.deleteIfExists(f.exit());
            Files.deleteIfExists(f.pid());
            note(f.log(), "starting domain " + name + ":\n" + c.toText());
        } catch (IOException e) {
            throw new DaemonException("cannot prepare the start of domain '" + name + "': " + e.getMessage(), e);
        }
        long logStart = size(f.log());
        var cmd = new ArrayList<String>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.addAll(List.of("/usr/bin/setsid", "-w"));
        cmd.addAll(List.of("/bin/sh", f.script().toString()));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(f.log().toFile())).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new DaemonException("cannot start domain '" + name + "': " + e.getMessage(), e);
        }
        var wanted = ptyConsoles(c.jhyve());
        long deadline = System.currentTimeMillis() + STARTUP_TIMEOUT_MS;
        while (true) {
            long pid = readPid(f.pid());
            var consoles = consoles(f.log(), logStart);
            if (pid > 0 && consoles.keySet().containsAll(wanted)) return new Started(p, pid, consoles);
            if (!p.isAlive()) {
                var exit = readExit(f.exit());
                throw new DaemonException("internal error: domain '" + name + "' did not start ("
                        + (exit == null ? "start script ended with status " + p.exitValue() : "exit " + exit) + "): "
                        + tail(f.log(), logStart));
            }
            if (System.currentTimeMillis() > deadline) {
                if (pid > 0) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new DaemonException("internal error: domain '" + name + "' did not come up within "
                        + STARTUP_TIMEOUT_MS / 1000 + " s: " + tail(f.log(), logStart));
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DaemonException("interrupted while starting domain '" + name + "'");
            }
        }
    }

    static long readPid(Path pidFile) {
        try {
            return Long.parseLong(Files.readString(pidFile).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** NAME.exit's text ("1", "137", "loader 2"), or null when there is none. */
    static String readExit(Path exitFile) {
        try {
            return Files.readString(exitFile).strip();
        } catch (IOException e) {
            return null;
        }
    }

    static Map<String, String> consoles(Path log, long from) {
        var out = new LinkedHashMap<String, String>();
        var m = PTY_LINE.matcher(readFrom(log, from));
        while (m.find()) out.put(m.group(1), m.group(2));
        return out;
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    static String readFrom(Path log, long from) {
        try (var ch = java.nio.channels.FileChannel.open(log)) {
            long n = ch.size() - from;
            if (n <= 0) return "";
            var buf = java.nio.ByteBuffer.allocate((int) Math.min(n, 1 << 20));
            ch.read(buf, from);
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines the log gained since from, for error messages. */
    static String tail(Path log, long from) {
        var lines = readFrom(log, from).strip().lines().toList();
        var last = lines.subList(Math.max(0, lines.size() - 8), lines.size());
        return last.isEmpty() ? "(nothing in " + log + ")" : String.join("\n", last);
    }

    /** A line of the daemon's own in the domain's log, time-stamped. */
    static void note(Path log, String text) {
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, java.time.OffsetDateTime.now().withNano(0) + " jhyved: " + text.strip() + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the log is a help, not a condition for running the VM
        }
    }
}
