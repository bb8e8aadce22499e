package org.jhyve.home;

import org.jhyve.boot.BootState;
import org.jhyve.vm.GuestMemory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * This process's hold on a VM home: the locked pid file. Only an owner changes a home. Closing
 * removes the pid file (a clean end); a process that dies keeps it, which marks the home stale.
 */
public final class HomeOwner implements AutoCloseable {
    private final VmHome home;
    private final FileChannel pidChannel;
    private final String program;
    private boolean closed;

    HomeOwner(VmHome home, FileChannel pidChannel, String program) {
        this.home = home;
        this.pidChannel = pidChannel;
        this.program = program;
    }

    public VmHome home() { return home; }

    public String program() { return program; }

    /**
     * Starts the home afresh with zeroed guest RAM of {@code size} bytes (bhyveload's reinit of
     * an existing VM): the old RAM file and boot state go, the facts file records the size.
     */
    public GuestMemory createMemory(long size) {
        releaseMemory();
        delete(home.dir().resolve(VmHome.BOOT));
        Path file = home.homes().shm().resolve("jhyve-" + home.name() + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new HomeException("cannot create " + file.getParent() + " for guest memory: " + e);
        }
        GuestMemory mem = GuestMemory.file(file, size, true);
        try {
            Files.createSymbolicLink(home.dir().resolve(VmHome.MEMORY), file);
            writeAtomically(VmHome.FACTS, "memory.size=" + size + "\n");
        } catch (IOException | RuntimeException e) {
            mem.close();
            delete(file);
            throw new HomeException("cannot record guest memory in " + home.dir() + ": " + e);
        }
        return mem;
    }

    /** Maps the home's guest RAM, which must exist and have {@code size} bytes. */
    public GuestMemory openMemory(long size) {
        Path link = home.dir().resolve(VmHome.MEMORY);
        Path file;
        try {
            file = Files.readSymbolicLink(link);
        } catch (NoSuchFileException e) {
            throw new HomeException("VM '" + home.name() + "' has no guest memory (" + link + " is missing)");
        } catch (IOException e) {
            throw new HomeException("cannot read " + link + ": " + e);
        }
        if (!Files.exists(file)) throw new HomeException("the guest memory of VM '" + home.name() + "', " + file + ", is gone");
        return GuestMemory.file(file, size, false);
    }

    public void writeBoot(BootState state) {
        try {
            writeAtomically(VmHome.BOOT, state.toText());
        } catch (IOException e) {
            throw new HomeException("cannot write the boot state of VM '" + home.name() + "': " + e);
        }
    }

    /** A run starts: the loaded image is being used up, so a later run needs a new load. */
    public void consumeBoot() { delete(home.dir().resolve(VmHome.BOOT)); }

    /** Frees the guest RAM file (the VM ran and ended, or is reloaded). */
    public void releaseMemory() {
        Path link = home.dir().resolve(VmHome.MEMORY);
        try {
            Path file = Files.readSymbolicLink(link);
            delete(file);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new HomeException("cannot read " + link + ": " + e);
        }
        delete(link);
    }

    /** Removes the whole home (jhyvectl --destroy, or -D on power-off); the owner is closed. */
    public void destroy() {
        releaseMemory();
        for (String f : new String[] {VmHome.BOOT, VmHome.FACTS, VmHome.SOCKET}) delete(home.dir().resolve(f));
        close();
        try {
            Files.deleteIfExists(home.dir());
        } catch (DirectoryNotEmptyException e) {
            throw new HomeException("VM home " + home.dir() + " holds files jhyve did not put there; it was left in place");
        } catch (IOException e) {
            throw new HomeException("cannot remove VM home " + home.dir() + ": " + e);
        }
    }

    private void writeAtomically(String name, String text) throws IOException {
        Path tmp = home.dir().resolve("." + name + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, home.dir().resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new HomeException("cannot remove " + p + ": " + e);
        }
    }

    /** A clean end: the pid file goes, then the lock. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            Files.deleteIfExists(home.dir().resolve(VmHome.PID));
        } catch (IOException ignored) {
            // the lock release below still tells everyone the owner is gone
        }
        try {
            pidChannel.close();
        } catch (IOException ignored) {
            // closing releases the lock even when close reports an error
        }
    }
}
