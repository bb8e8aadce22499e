package org.jhyve.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Linux test group's kernel, initramfs and command line under QEMU (-M microvm, KVM) on the
 * same machine, for the comparison figure in docs/linux-boot.md. On this project's hosts QEMU
 * stops where KVM's emulator gives up (the kernel's INT3 self-test), so the run reports how far
 * the guest got and after how long, not a boot time.
 */
final class LinuxQemu {
    static final String QEMU = "qemu-system-x86_64";

    /**
     * One QEMU run.
     *
     * @param exitCode   QEMU's status, or -1 when it was still running at the time limit (killed)
     * @param seconds    wall time from start to exit (or to the kill)
     * @param lastLine   the guest's last console line
     * @param ready      whether the initramfs's ready line came (a complete boot)
     * @param lines      everything QEMU printed, with the wall-clock second each line came at
     * @param failure    QEMU's "KVM internal error" line when KVM's emulator gave up, else null
     */
    record Run(int exitCode, double seconds, String lastLine, boolean ready, List<String> lines, String failure) {
        String summary() {
            String how = ready ? "reached the shell" : failure != null ? "stopped on KVM's " + failure
                    : exitCode < 0 ? "was still running (killed)" : "exited with " + exitCode;
            return String.format("QEMU %s after %.1f s; last console line: %s", how, seconds, lastLine);
        }
    }

    private LinuxQemu() {}

    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, QEMU))) return true;
        }
        return false;
    }

    /** The same kernel, initramfs and command line, 2 vCPUs and the memory the jhyve run has. */
    static List<String> command(Path kernel, Path initramfs, String cmdline, String mem) {
        return List.of(QEMU, "-M", "microvm", "-enable-kvm", "-cpu", "qemu64,-cx16,-xsave", "-smp", "2", "-m", mem,
                "-kernel", kernel.toString(), "-initrd", initramfs.toString(), "-append", cmdline,
                "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio", "-no-reboot");
    }

    /** Runs QEMU until it exits, the guest reaches the shell (then it is killed) or the limit passes. */
    static Run run(List<String> command, Duration limit) {
        long t0 = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        List<String> lines = new ArrayList<>();
        String[] last = {""};
        boolean[] ready = {false};
        boolean[] stopped = {false};
        String[] failure = {null};
        Thread reader = Thread.ofPlatform().daemon().name("qemu-out").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1))) {
                for (String l; (l = r.readLine()) != null; ) {
                    String line = l.strip();
                    synchronized (lines) {
                        lines.add(String.format("%8.1f %s", (System.nanoTime() - t0) / 1e9, line));
                        if (!line.isEmpty() && !stopped[0] && !line.startsWith("KVM internal error")) last[0] = line;
                        if (line.contains(LinuxGuestFiles.READY)) {
                            ready[0] = true;
                            p.destroyForcibly();
                        }
                        // QEMU reports KVM's emulation failure, dumps the registers and then
                        // waits with the vCPU stopped: the guest can get no further, so end it
                        // after the dump (the code bytes line closes it).
                        if (line.startsWith("KVM internal error")) {
                            stopped[0] = true;
                            failure[0] = line;
                        }
                        if (stopped[0] && line.startsWith("Code=")) p.destroyForcibly();
                    }
                }
            } catch (IOException ignored) {
                // the process ended or was killed: what was read is the record
            }
        });
        try {
            boolean ended = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (!ended) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            synchronized (lines) {
                return new Run(ended && !ready[0] ? p.exitValue() : -1, seconds, last[0], ready[0], List.copyOf(lines), failure[0]);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted while QEMU ran", e);
        }
    }
}
