package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host command (ip, taskset) to its end and returns its status and output. */
final class HostCommand {
    record Result(int status, String output) {}

    private HostCommand() {}

    static Result run(List<String> cmd) {
        try {
            var p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/null"))).start();
            var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out + "(killed after 30 s)");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, "cannot run " + cmd.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted while running " + String.join(" ", cmd));
        }
    }

    /** Runs cmd and throws DaemonException with its output when it fails. */
    static String check(List<String> cmd) throws DaemonException {
        var r = run(cmd);
        if (r.status() != 0) {
            throw new DaemonException("'" + String.join(" ", cmd) + "' failed (status " + r.status() + "): " + r.output().strip());
        }
        return r.output();
    }
}
