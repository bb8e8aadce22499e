package org.jhyve.it;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A cpio archive in the "newc" format, which the Linux kernel unpacks as an initramfs. */
final class Cpio {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int ino = 1;

    Cpio dir(String name) { return entry(name, 0040755, new byte[0]); }

    Cpio file(String name, int mode, byte[] data) { return entry(name, 0100000 | mode, data); }

    Cpio symlink(String name, String target) { return entry(name, 0120777, target.getBytes(StandardCharsets.US_ASCII)); }

    Cpio charDevice(String name, int major, int minor) {
        return header(name, 0020600, 0, major, minor).pad();
    }

    private Cpio entry(String name, int mode, byte[] data) {
        header(name, mode, data.length, 0, 0);
        out.writeBytes(data);
        return pad();
    }

    private Cpio header(String name, int mode, int size, int rmajor, int rminor) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        String h = String.format("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
                ino++, mode, 0, 0, 1, 0, size, 0, 0, rmajor, rminor, n.length, 0);
        out.writeBytes(h.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(n);
        return pad();
    }

    private Cpio pad() {
        while (out.size() % 4 != 0) out.write(0);
        return this;
    }

    byte[] finish() {
        header("TRAILER!!!", 0, 0, 0, 0);
        while (out.size() % 512 != 0) out.write(0);
        return out.toByteArray();
    }
}
