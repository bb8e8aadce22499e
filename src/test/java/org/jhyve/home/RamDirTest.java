package org.jhyve.home;

import org.jhyve.sys.Libc;
import org.jhyve.sys.SysException;
import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Guest RAM's directory: jhyve's huge-page tmpfs, mounted once, or /dev/shm where it cannot be. */
class RamDirTest {
    /** Records mounts; a directory counts as mounted once mountTmpfs was called for it. */
    static final class FakeMounts implements RamDir.Mounts {
        final List<String> mounted = new ArrayList<>();
        final int failWith;
        boolean writable = true;

        FakeMounts(int failWith) { this.failWith = failWith; }

        @Override
        public boolean writable(Path dir) { return writable; }

        @Override
        public boolean isMountPoint(Path dir) { return mounted.contains(dir.toString()); }

        @Override
        public void mountTmpfs(Path dir, String options) {
            if (failWith != 0) throw new SysException("mount tmpfs on " + dir, failWith);
            mounted.add(dir.toString());
        }
    }

    @Test
    void theFirstStartMountsAndLaterStartsUseTheMount(@TempDir Path tmp) {
        Path dir = tmp.resolve("run/jhyve/ram");
        FakeMounts m = new FakeMounts(0);
        assertEquals(dir, RamDir.resolve(dir, tmp.resolve("shm"), m));
        assertEquals(List.of(dir.toString()), m.mounted);
        assertTrue(Files.isDirectory(dir), "the mount point is created");
        assertEquals(dir, RamDir.resolve(dir, tmp.resolve("shm"), m));
        assertEquals(1, m.mounted.size(), "a mounted directory is not mounted again");
    }

    @Test
    void aMountOnlyRootMayWriteToSendsOtherUsersToTheFallback(@TempDir Path tmp) {
        Path dir = tmp.resolve("ram"), fallback = tmp.resolve("shm");
        FakeMounts m = new FakeMounts(0);
        assertEquals(dir, RamDir.resolve(dir, fallback, m));
        m.writable = false;
        assertEquals(fallback, RamDir.resolve(dir, fallback, m));
        assertEquals(1, m.mounted.size(), "the existing mount is not mounted again");
    }

    @Test
    void withoutPermissionToMountRamGoesToTheFallback(@TempDir Path tmp) {
        Path fallback = tmp.resolve("shm");
        assertEquals(fallback, RamDir.resolve(tmp.resolve("ram"), fallback, new FakeMounts(Libc.EPERM)));
        assertEquals(fallback, RamDir.resolve(tmp.resolve("ram"), fallback, new FakeMounts(Libc.EINVAL)));
    }

    @Test
    void aDirectoryThatCannotBeCreatedFallsBack(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("run"), "a file where the directory would go");
        Path fallback = tmp.resolve("shm");
        FakeMounts m = new FakeMounts(0);
        assertEquals(fallback, RamDir.resolve(tmp.resolve("run/ram"), fallback, m));
        assertEquals(List.of(), m.mounted);
    }

    /** As root: the real mount, and RAM on it mapped with 2 MiB pages where the kernel has THP. */
    @Test
    void asRootGuestRamOnTheMountGets2MiBPages(@TempDir Path tmp) throws IOException {
        if (Libc.geteuid() != 0) {
            System.err.println("*** RamDirTest SKIPPED: not root, the tmpfs mount was not tried ***");
            Assumptions.abort("not root");
        }
        Path dir = tmp.resolve("ram");
        try {
            assertEquals(dir, RamDir.resolve(dir, tmp.resolve("fallback"), RamDir.SYSTEM));
            assertTrue(RamDir.SYSTEM.isMountPoint(dir));
            String line = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.split(" ")[4].equals(dir.toString())).findFirst().orElseThrow();
            assertTrue(line.contains(" - tmpfs ") && line.contains("huge=within_size"), line);
            assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)),
                    "only root writes guest RAM there");
            assertEquals(1, Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.split(" ")[4].equals(dir.toString())).count());
            assertEquals(dir, RamDir.resolve(dir, tmp.resolve("fallback"), RamDir.SYSTEM));
            assertEquals(1, Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.split(" ")[4].equals(dir.toString())).count(), "mounted once only");
            if (!Files.exists(Path.of("/sys/kernel/mm/transparent_hugepage"))) {
                System.err.println("*** RamDirTest: the kernel has no transparent huge pages; page size not checked ***");
                return;
            }
            try (GuestMemory mem = GuestMemory.file(dir.resolve("ram"), 8 << 20, true)) {
                for (long a = 0; a < 8 << 20; a += 4096) mem.writeByte(a, (byte) 1);
                assertTrue(shmemPmdKiB(dir.resolve("ram")) >= 2048, "no 2 MiB mapping of the RAM file");
            }
        } finally {
            if (RamDir.SYSTEM.isMountPoint(dir)) Libc.umount(dir.toString());
        }
    }

    /** ShmemPmdMapped of this process's mapping of file, from /proc/self/smaps. */
    static long shmemPmdKiB(Path file) throws IOException {
        boolean in = false;
        for (String l : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (l.matches("^[0-9a-f]+-[0-9a-f]+ .*")) in = l.endsWith(" " + file);
            else if (in && l.startsWith("ShmemPmdMapped:")) return Long.parseLong(l.replaceAll("\\D", ""));
        }
        return -1;
    }
}
