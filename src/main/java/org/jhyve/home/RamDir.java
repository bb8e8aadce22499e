package org.jhyve.home;

import org.jhyve.sys.Libc;
import org.jhyve.sys.SysException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where guest RAM files go when {@code JHYVE_SHM_DIR} does not say: a tmpfs of jhyve's own at
 * {@code /run/jhyve/ram}, mounted {@code huge=within_size}, so that guest RAM gets 2 MiB pages
 * as FreeBSD's vmm gives it superpages and as QEMU's anonymous RAM gets transparent huge pages.
 * On /dev/shm a RAM file gets 4 KiB pages wherever the distribution mounts it huge=never (the
 * usual default, and this machine's): the guest's TLB misses then walk down to 4 KiB host
 * pages, and receiving frames into guest buffers measured 5-15 % slower (BENCHMARKS.md).
 * The first jhyve that may mount (root) mounts it, under a lock so two never stack mounts; an
 * existing mount point is used as it is (an administrator's choice of options stands). Only
 * root may write there (mode 0755: unlike /dev/shm, no user can fill memory through it); where
 * the directory is not writable or nothing can be mounted (not root, no permission), RAM goes to
 * /dev/shm as before. The mount stays; {@code umount /run/jhyve/ram} removes it while no VM is
 * loaded.
 */
public final class RamDir {
    public static final Path DEFAULT = Path.of("/run/jhyve/ram"), FALLBACK = Path.of("/dev/shm");
    /** nosuid, nodev and noexec come with the mount call; as large as memory, as guests are what fills it. */
    static final String OPTIONS = "huge=within_size,mode=0755,size=100%";

    /** The file-system operations RamDir needs, so its decisions can be tested without root. */
    interface Mounts {
        boolean isMountPoint(Path dir) throws IOException;

        void mountTmpfs(Path dir, String options);

        boolean writable(Path dir);
    }

    static final Mounts SYSTEM = new Mounts() {
        @Override
        public boolean isMountPoint(Path dir) throws IOException {
            // another file system's device than its parent's: something is mounted there
            return !Files.getAttribute(dir, "unix:dev").equals(Files.getAttribute(dir.getParent(), "unix:dev"));
        }

        @Override
        public void mountTmpfs(Path dir, String options) { Libc.mount("tmpfs", dir.toString(), options); }

        @Override
        public boolean writable(Path dir) { return Files.isWritable(dir); }
    };

    private RamDir() {}

    /** The directory for guest RAM files: DEFAULT, mounted if need be, or FALLBACK. */
    public static Path resolve() { return resolve(DEFAULT, FALLBACK, SYSTEM); }

    // synchronized: the file lock serialises processes, but within one JVM a second lock() would throw
    static synchronized Path resolve(Path dir, Path fallback, Mounts mounts) {
        try {
            if (!Files.isDirectory(dir) || !mounts.isMountPoint(dir)) {
                Files.createDirectories(dir);
                try (FileChannel lock = FileChannel.open(dir.resolveSibling(dir.getFileName() + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock held = lock.lock()) {
                    if (!mounts.isMountPoint(dir)) mounts.mountTmpfs(dir, OPTIONS);
                }
            }
            if (mounts.writable(dir)) return dir;
            log().log(System.Logger.Level.DEBUG, "guest RAM goes to {0}: {1} is root''s", fallback, dir);
            return fallback;
        } catch (SysException e) {
            // not root, or a container without the capability: expected, so not worth a line on every start
            System.Logger.Level level = e.errno == Libc.EPERM ? System.Logger.Level.DEBUG : System.Logger.Level.INFO;
            log().log(level, "guest RAM goes to {0} with the host''s page size: {1}", fallback, e.getMessage());
            return fallback;
        } catch (IOException | UnsupportedOperationException e) {
            log().log(System.Logger.Level.DEBUG, "guest RAM goes to {0}: cannot use {1}: {2}", fallback, dir, e.toString());
            return fallback;
        }
    }

    private static System.Logger log() { return System.getLogger("org.jhyve.home"); }
}
