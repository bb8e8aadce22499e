package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Linux TUN/TAP through /dev/net/tun (linux/if_tun.h): attach to a tap by name (the kernel
 * creates it when it does not exist and the caller may), vnet header size and offloads.
 * struct ifreq is 40 bytes: the name (16 bytes, NUL terminated), then a union whose first
 * member here is the short flags.
 */
public final class Tun {
    private Tun() {}

    public static final String DEVICE = "/dev/net/tun";
    public static final int IFF_TUN = 0x0001, IFF_TAP = 0x0002, IFF_NO_PI = 0x1000, IFF_VNET_HDR = 0x4000,
            IFF_MULTI_QUEUE = 0x0100, IFF_TUN_EXCL = 0x8000;
    /** Offloads the kernel may hand us with TUNSETOFFLOAD (frames then carry a virtio_net_hdr). */
    public static final int TUN_F_CSUM = 0x01, TUN_F_TSO4 = 0x02, TUN_F_TSO6 = 0x04, TUN_F_TSO_ECN = 0x08,
            TUN_F_UFO = 0x10;
    public static final int IFNAMSIZ = 16, IFREQ_SIZE = 40;

    // _IOW('T', n, int) = 0x40045400 | n; _IOR('T', n, int) = 0x80045400 | n
    static final long TUNSETIFF = 0x400454caL, TUNGETFEATURES = 0x800454cfL, TUNSETOFFLOAD = 0x400454d0L,
            TUNGETIFF = 0x800454d2L, TUNGETVNETHDRSZ = 0x800454d7L, TUNSETVNETHDRSZ = 0x400454d8L;

    /** An attached tap: its descriptor and the interface name the kernel confirmed. */
    public record Handle(int fd, String name, int flags) {}

    /** An ifreq with the name set (checked: 1-15 bytes, no '/' or whitespace). */
    static MemorySegment ifreq(Arena a, String name) {
        byte[] b = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (b.length == 0 || b.length >= IFNAMSIZ || !name.chars().allMatch(c -> c > ' ' && c < 127 && c != '/' && c != ':')) {
            throw new IllegalArgumentException("invalid interface name '" + name + "' (1-15 characters, no '/', ':' or spaces)");
        }
        MemorySegment r = a.allocate(IFREQ_SIZE, 8);
        MemorySegment.copy(b, 0, r, JAVA_BYTE, 0, b.length);
        return r;
    }

    /**
     * Opens /dev/net/tun and attaches it to the interface name with flags (IFF_TAP | IFF_NO_PI,
     * optionally IFF_VNET_HDR). Throws SysException: ENOENT for a missing /dev/net/tun, EBUSY
     * when another process holds the tap, EPERM when the caller may neither create nor use it,
     * EINVAL when the name belongs to an interface that is not a tap.
     */
    public static Handle attach(String name, int flags, boolean nonBlocking) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment req = ifreq(a, name);
            req.set(JAVA_SHORT, IFNAMSIZ, (short) flags);
            int fd = Libc.open(DEVICE, Libc.O_RDWR | (nonBlocking ? Libc.O_NONBLOCK : 0), 0);
            try {
                Libc.ioctl(fd, TUNSETIFF, req, "TUNSETIFF " + name);
                String actual = req.asSlice(0, IFNAMSIZ).getString(0);
                return new Handle(fd, actual, flags);
            } catch (RuntimeException e) {
                Libc.close(fd);
                throw e;
            }
        }
    }

    /** The IFF_* flags this kernel's tun driver supports. */
    public static int features(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            Libc.ioctl(fd, TUNGETFEATURES, v, "TUNGETFEATURES");
            return v.get(JAVA_INT, 0);
        }
    }

    /** Sets the virtio_net_hdr length (10, or 12 with mergeable RX buffers / virtio 1.x). */
    public static void setVnetHeaderSize(int fd, int size) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, size);
            Libc.ioctl(fd, TUNSETVNETHDRSZ, v, "TUNSETVNETHDRSZ " + size);
        }
    }

    public static int vnetHeaderSize(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            Libc.ioctl(fd, TUNGETVNETHDRSZ, v, "TUNGETVNETHDRSZ");
            return v.get(JAVA_INT, 0);
        }
    }

    /** Which offloads (TUN_F_*) the kernel may use in frames it hands to us. */
    public static void setOffload(int fd, int offloads) {
        Libc.ioctl(fd, TUNSETOFFLOAD, offloads, "TUNSETOFFLOAD 0x" + Integer.toHexString(offloads));
    }
}
