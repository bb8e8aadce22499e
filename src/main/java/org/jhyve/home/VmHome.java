package org.jhyve.home;

import org.jhyve.boot.BootState;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One VM's home directory. Files: {@code pid} (the owning process, locked while it lives),
 * {@code vm} (facts such as the memory size), {@code boot} (the loader's boot state, present
 * until a jhyve run consumes it), {@code memory} (a link to the guest RAM file), {@code ctl.sock}
 * (the running jhyve's control socket).
 */
public final class VmHome {
    static final String PID = "pid", FACTS = "vm", BOOT = "boot", MEMORY = "memory", SOCKET = "ctl.sock";

    private final VmHomes homes;
    private final String name;
    private final Path dir;

    VmHome(VmHomes homes, String name) {
        this.homes = homes;
        this.name = name;
        this.dir = homes.root().resolve(name);
    }

    public String name() { return name; }

    public Path dir() { return dir; }

    public Path socket() { return dir.resolve(SOCKET); }

    VmHomes homes() { return homes; }

    public boolean exists() { return Files.isDirectory(dir); }

    /** The home's state, or empty when it does not exist. */
    public Optional<HomeStatus> status() {
        if (!exists()) return Optional.empty();
        long mem = facts().memorySize();
        Owner o = owner();
        if (o != null) {
            HomeState s = !o.alive() ? HomeState.STALE : o.program().equals("jhyveload") ? HomeState.LOADING : HomeState.RUNNING;
            return Optional.of(new HomeStatus(name, s, o.pid(), o.program(), mem));
        }
        return Optional.of(new HomeStatus(name, Files.exists(dir.resolve(BOOT)) ? HomeState.LOADED : HomeState.STOPPED,
                0, "", mem));
    }

    /** The state, failing with "does not exist" when there is no home. */
    public HomeStatus requireStatus() {
        return status().orElseThrow(() -> new HomeException("VM '" + name + "' does not exist (no " + dir + ")"));
    }

    /** The pid file's owner, with whether it still holds the lock; null when there is none. */
    Owner owner() {
        Path pidFile = dir.resolve(PID);
        String text;
        try {
            text = Files.readString(pidFile, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new HomeException("cannot read " + pidFile + ": " + e.getMessage());
        }
        if (text.isEmpty()) return null; // being created or removed this instant
        String[] w = text.split("\\s+");
        long pid;
        try {
            pid = Long.parseLong(w[0]);
        } catch (NumberFormatException e) {
            throw new HomeException(pidFile + " is damaged: '" + text + "'");
        }
        return new Owner(pid, w.length > 1 ? w[1] : "?", isLocked(pidFile));
    }

    record Owner(long pid, String program, boolean alive) {}

    /** True when some process holds the pid file's lock (this JVM included). */
    static boolean isLocked(Path pidFile) {
        try (FileChannel ch = FileChannel.open(pidFile, StandardOpenOption.READ)) {
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, true);
            if (l == null) return true;
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new HomeException("cannot probe the lock on " + pidFile + ": " + e.getMessage());
        }
    }

    /** Facts recorded when the home was loaded. */
    public Facts facts() {
        try {
            String text = Files.readString(dir.resolve(FACTS), StandardCharsets.US_ASCII);
            for (String line : text.split("\n")) {
                if (line.startsWith("memory.size=")) return new Facts(Long.parseLong(line.substring(12).strip()));
            }
        } catch (NoSuchFileException e) {
            return new Facts(0);
        } catch (IOException | NumberFormatException e) {
            throw new HomeException("cannot read " + dir.resolve(FACTS) + ": " + e.getMessage());
        }
        return new Facts(0);
    }

    /** @param memorySize guest RAM in bytes, 0 when unknown */
    public record Facts(long memorySize) {}

    /** The boot state a loader left, or empty when none is waiting. */
    public Optional<BootState> boot() {
        Path p = dir.resolve(BOOT);
        try {
            return Optional.of(BootState.parse(Files.readString(p, StandardCharsets.US_ASCII), p.toString()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new HomeException("cannot read " + p + ": " + e.getMessage());
        }
    }

    /**
     * Makes this process the home's owner, creating the home when {@code create} is set. Refuses
     * a home another process owns, and a stale one (its owner died) unless {@code takeStale}.
     */
    public HomeOwner acquire(String program, boolean create, boolean takeStale) {
        if (!exists()) {
            if (!create) throw new HomeException("VM '" + name + "' does not exist (no " + dir + ")");
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new HomeException("cannot create VM home " + dir + ": " + e);
            }
        }
        Path pidFile = dir.resolve(PID);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(pidFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                Owner o = owner();
                ch.close();
                throw new HomeException("VM '" + name + "' is in use by " + (o == null ? "another process"
                        : o.program() + " (pid " + o.pid() + ")"));
            }
            if (ch.size() > 0 && !takeStale) {
                Owner o = owner();
                ch.close();
                throw new HomeException("VM '" + name + "' is stale: " + (o == null ? "a process" : o.program() + " (pid " + o.pid() + ")")
                        + " ended without cleaning up " + dir + "; remove it with jhyvectl --vm=" + name + " --destroy");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((selfPid() + " " + program + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
            return new HomeOwner(this, ch, program);
        } catch (IOException e) {
            if (ch != null) try { ch.close(); } catch (IOException ignored) { }
            throw new HomeException("cannot lock VM home " + dir + ": " + e);
        }
    }

    /**
     * This process's pid, from /proc/self: ProcessHandle.current() initialises the JDK's process
     * reaper machinery (~0.5 ms of every start, interpreted) for one number.
     */
    static long selfPid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().pid();
        }
    }
}
