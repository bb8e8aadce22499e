package org.jhyve.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A stock Debian kernel and a busybox initramfs for the Linux test group. The kernel package is
 * fetched once with apt-get download and unpacked with dpkg-deb into ~/.cache/jhyve/linux; the
 * initramfs is built at test time from the host's busybox-static.
 */
final class LinuxGuestFiles {
    static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "jhyve", "linux");
    static final String META_PACKAGE = "linux-image-cloud-amd64";
    static final String READY = "jhyve-linux: ready";

    /**
     * The /init the guest runs: mounts, loads the power-button drivers, starts acpid, then a shell
     * on the console. busybox acpid opens its log, /var/log/acpid.log, after it has gone to the
     * background and exits silently when it cannot, so /var/log must exist.
     */
    static final String INIT = """
            #!/bin/busybox sh
            /bin/busybox --install -s /bin
            mkdir -p /proc /sys /dev /etc /tmp
            mount -t proc proc /proc
            mount -t sysfs sysfs /sys
            mount -t devtmpfs devtmpfs /dev
            for m in evdev button virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \\
                     virtio_blk virtio-rng virtio_console failover net_failover virtio_net; do
                insmod /lib/$m.ko 2>/dev/null
            done
            mkdir -p /etc/acpi/PWRF
            printf '#!/bin/sh\\necho jhyve-linux: power button > /dev/console\\npoweroff -f\\n' > /etc/acpi/PWRF/00000080
            chmod +x /etc/acpi/PWRF/00000080
            mkdir -p /var/log
            acpid
            echo "jhyve-linux: ready"
            exec setsid cttyhack sh
            """;

    /**
     * Where the initramfs keeps udhcpc's hook; named with -s, since busybox builds differ on the
     * default (Debian's looks in /etc/udhcpc, upstream's in /usr/share/udhcpc).
     */
    static final String UDHCPC_SCRIPT_PATH = "/usr/share/udhcpc/default.script";

    /** busybox udhcpc's hook: address, default route, resolver; prints the lease. */
    static final String UDHCPC_SCRIPT = """
            #!/bin/sh
            case "$1" in
            bound|renew)
                ip addr add "$ip/$mask" dev "$interface"
                [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
                echo "nameserver ${dns%% *}" > /etc/resolv.conf
                [ -n "$domain" ] && echo "search $domain" >> /etc/resolv.conf
                echo "jhyve-linux: lease $ip" ;;
            esac
            exit 0
            """;

    /** Modules the initramfs carries, in a working load order (insmod does not resolve dependencies). */
    static final List<String> MODULES = List.of("drivers/input/evdev.ko", "drivers/acpi/button.ko",
            "drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio.ko", "drivers/virtio/virtio_pci_legacy_dev.ko",
            "drivers/virtio/virtio_pci_modern_dev.ko", "drivers/virtio/virtio_pci.ko", "drivers/block/virtio_blk.ko",
            "drivers/char/hw_random/virtio-rng.ko", "drivers/char/virtio_console.ko", "net/core/failover.ko",
            "drivers/net/net_failover.ko", "drivers/net/virtio_net.ko");

    /**
     * An ext4 image of 16 MiB holding hello.txt, made with the host's mke2fs (-d fills it from a
     * directory, no mount needed).
     */
    static Path ext4Disk(Path dir, String hello) {
        try {
            Path content = Files.createDirectories(dir.resolve("disk-content"));
            Files.writeString(content.resolve("hello.txt"), hello + "\n");
            Path img = dir.resolve("disk.img");
            run(dir, "mke2fs", "-q", "-F", "-t", "ext4", "-d", content.toString(), img.toString(), "16M");
            return img;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file's content inside an ext4 image, read with debugfs (no mount). */
    static String ext4Cat(Path img, String path) {
        return run(img.getParent(), "debugfs", "-R", "cat " + path, img.toString());
    }

    private LinuxGuestFiles() {}

    /** The kernel (vmlinuz), downloaded and unpacked on first use. */
    static Path kernel() {
        Path tree = unpacked();
        try (Stream<Path> s = Files.list(tree.resolve("boot"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no vmlinuz in " + tree.resolve("boot")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The initramfs, rebuilt into {@code dir}. */
    static Path initramfs(Path dir) {
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isRegularFile(busybox)) throw new IllegalStateException("/bin/busybox is missing: apt-get install busybox-static");
        try {
            Cpio c = new Cpio().dir("bin").dir("lib").dir("dev").dir("proc").dir("sys").dir("etc").dir("tmp")
                    .dir("usr").dir("usr/share").dir("usr/share/udhcpc")
                    .file(UDHCPC_SCRIPT_PATH.substring(1), 0755, UDHCPC_SCRIPT.getBytes(StandardCharsets.US_ASCII))
                    .charDevice("dev/console", 5, 1)
                    .file("bin/busybox", 0755, Files.readAllBytes(busybox))
                    .symlink("bin/sh", "busybox")
                    .file("init", 0755, INIT.getBytes(StandardCharsets.US_ASCII));
            for (String m : MODULES) {
                Path ko = module(m);
                if (ko != null) c.file("lib/" + ko.getFileName(), 0644, withoutSignature(Files.readAllBytes(ko)));
            }
            Path out = dir.resolve("initramfs.cpio");
            Files.write(out, c.finish());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final byte[] SIGNATURE_MAGIC = "~Module signature appended~\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * The module without its appended signature (the signature, a 12-byte struct
     * module_signature whose last 4 bytes are the signature's length, big-endian, then the
     * magic). Debian's kernel does not enforce signatures, so it loads such a module unverified
     * (and marks itself tainted); checking a signature costs a minute of emulated kernel time per
     * module on hosts like this project's. Returned unchanged when there is no signature.
     */
    static byte[] withoutSignature(byte[] ko) {
        int m = ko.length - SIGNATURE_MAGIC.length;
        if (m < 12 || !java.util.Arrays.equals(ko, m, ko.length, SIGNATURE_MAGIC, 0, SIGNATURE_MAGIC.length)) return ko;
        int sigLen = java.nio.ByteBuffer.wrap(ko, m - 4, 4).getInt();
        int end = m - 12 - sigLen;
        if (sigLen < 0 || end < 0) throw new IllegalArgumentException("module signature of " + sigLen + " bytes in a " + ko.length + "-byte module");
        return java.util.Arrays.copyOf(ko, end);
    }

    private static Path module(String rel) throws IOException {
        try (Stream<Path> s = Files.list(unpacked().resolve("lib/modules"))) {
            for (Path v : s.toList()) {
                Path p = v.resolve("kernel").resolve(rel);
                if (Files.isRegularFile(p)) return p;
            }
        }
        return null;
    }

    private static synchronized Path unpacked() {
        Path tree = CACHE.resolve("x");
        if (Files.isDirectory(tree.resolve("boot"))) return tree;
        try {
            Files.createDirectories(CACHE);
            String deps = run(CACHE, "apt-cache", "depends", META_PACKAGE);
            String pkg = deps.lines().map(String::strip).filter(l -> l.startsWith("Depends: linux-image-"))
                    .map(l -> l.substring("Depends: ".length())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("apt-cache depends " + META_PACKAGE + " names no kernel:\n" + deps));
            run(CACHE, "apt-get", "download", pkg);
            Path deb;
            try (Stream<Path> s = Files.list(CACHE)) {
                deb = s.filter(p -> p.getFileName().toString().startsWith(pkg + "_")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("apt-get download " + pkg + " left no .deb in " + CACHE));
            }
            run(CACHE, "dpkg-deb", "-x", deb.toString(), tree.toString());
            return tree;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(Path dir, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", cmd));
        }
    }
}
