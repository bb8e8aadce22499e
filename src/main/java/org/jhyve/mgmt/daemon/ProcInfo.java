package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What /proc tells about a process: is it still the one we started, and how much CPU it used. */
final class ProcInfo {
    /** Linux's USER_HZ, the unit of utime/stime in /proc/PID/stat, on every architecture jhyve runs on. */
    private static final long CLOCK_TICKS = 100;

    private ProcInfo() {}

    /** The process's start time in epoch milliseconds, if it exists. */
    static Optional<Long> startMillis(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(java.time.Instant::toEpochMilli);
    }

    /**
     * True when pid is alive, started at startMillis (within the 10 ms clock tick /proc reports)
     * and its command line contains marker: a pid reused by another process fails one of these.
     */
    static boolean isOurs(long pid, long startMillis, String marker) {
        var start = startMillis(pid);
        if (start.isEmpty() || Math.abs(start.get() - startMillis) > 1000) return false;
        return cmdline(pid).contains(marker);
    }

    static String cmdline(long pid) {
        try {
            var b = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            return new String(b, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** User plus system CPU time in nanoseconds (0 when the process is gone). */
    static long cpuNanos(long pid) {
        try {
            var stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            var f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields after the command: state is field 3, utime 14, stime 15 (1-based in proc(5))
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * (1_000_000_000L / CLOCK_TICKS);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Resident set size in KiB (0 when unknown). */
    static long rssKiB(long pid) {
        try {
            for (var l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    /** read_bytes and write_bytes of /proc/PID/io (storage I/O the process caused), or null. */
    static long[] io(long pid) {
        try {
            long r = -1, w = -1;
            for (var l : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
                if (l.startsWith("read_bytes:")) r = Long.parseLong(l.substring(11).strip());
                if (l.startsWith("write_bytes:")) w = Long.parseLong(l.substring(12).strip());
            }
            return r < 0 || w < 0 ? null : new long[] {r, w};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
