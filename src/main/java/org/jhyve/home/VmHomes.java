package org.jhyve.home;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where named VMs live: the Linux stand-in for FreeBSD's /dev/vmm. One directory per VM under
 * {@code /run/jhyve/vmm} ({@code JHYVE_VMM_DIR} overrides it); guest RAM in a shared-memory file
 * on jhyve's huge-page tmpfs, {@code /run/jhyve/ram}, or {@code /dev/shm} where that cannot be
 * mounted ({@link RamDir}; {@code JHYVE_SHM_DIR} overrides both).
 */
public final class VmHomes {
    public static final String DIR_ENV = "JHYVE_VMM_DIR", SHM_ENV = "JHYVE_SHM_DIR";
    public static final Path DEFAULT_DIR = Path.of("/run/jhyve/vmm");
    /** bhyve's VM_MAX_NAMELEN is 32 with the NUL. */
    public static final int MAX_NAME = 31;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*");

    private final Path root;
    private Path shm;   // null: RamDir's choice, made when RAM is first created (only then may it mount)

    public VmHomes(Path root, Path shm) {
        this.root = root.toAbsolutePath().normalize();
        this.shm = shm == null ? null : shm.toAbsolutePath().normalize();
    }

    public static VmHomes fromEnvironment() {
        String dir = System.getenv(DIR_ENV), shm = System.getenv(SHM_ENV);
        return new VmHomes(dir == null || dir.isEmpty() ? DEFAULT_DIR : Path.of(dir),
                shm == null || shm.isEmpty() ? null : Path.of(shm));
    }

    public Path root() { return root; }

    synchronized Path shm() {
        if (shm == null) shm = RamDir.resolve();
        return shm;
    }

    /** Checks a VM name: it becomes a directory and part of a socket path. */
    public static String checkName(String name) {
        if (name == null || name.isEmpty()) throw new HomeException("no VM name given");
        if (name.length() > MAX_NAME) throw new HomeException("VM name '" + name + "' is longer than " + MAX_NAME + " characters");
        if (!NAME.matcher(name).matches()) {
            throw new HomeException("VM name '" + name + "' may contain only letters, digits and . _ + - (not first)");
        }
        return name;
    }

    public VmHome home(String name) { return new VmHome(this, checkName(name)); }

    /** Every VM home, sorted by name. */
    public List<HomeStatus> list() {
        List<HomeStatus> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (!Files.isDirectory(p) || !NAME.matcher(n).matches()) continue;
                VmHome h = new VmHome(this, n);
                h.status().ifPresent(out::add);
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new HomeException("cannot list VM homes in " + root + ": " + e.getMessage());
        }
        return out;
    }
}
