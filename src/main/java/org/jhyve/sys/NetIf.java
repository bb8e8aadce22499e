package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Interface ioctls on an AF_INET datagram socket (linux/sockios.h): flags (up/down), MTU and
 * index. The Linux counterpart of FreeBSD's net.link.tap.up_on_open is {@link #up}.
 */
public final class NetIf {
    private NetIf() {}

    public static final int IFF_UP = 0x1, IFF_RUNNING = 0x40;
    static final long SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCGIFMTU = 0x8921;

    /** Whether an interface of that name exists in this network namespace. */
    public static boolean exists(String name) { return NetCalls.ifNameToIndex(name) != 0; }

    public static int flags(String name) {
        int s = NetCalls.socket(NetCalls.AF_INET, NetCalls.SOCK_DGRAM, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment req = Tun.ifreq(a, name);
            Libc.ioctl(s, SIOCGIFFLAGS, req, "SIOCGIFFLAGS " + name);
            return req.get(JAVA_SHORT, Tun.IFNAMSIZ) & 0xFFFF;
        } finally {
            Libc.close(s);
        }
    }

    /** Sets IFF_UP on the interface (needs CAP_NET_ADMIN unless it is already up). */
    public static void up(String name) {
        int s = NetCalls.socket(NetCalls.AF_INET, NetCalls.SOCK_DGRAM, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment req = Tun.ifreq(a, name);
            Libc.ioctl(s, SIOCGIFFLAGS, req, "SIOCGIFFLAGS " + name);
            int flags = req.get(JAVA_SHORT, Tun.IFNAMSIZ) & 0xFFFF;
            if ((flags & IFF_UP) != 0) return;
            req.set(JAVA_SHORT, Tun.IFNAMSIZ, (short) (flags | IFF_UP));
            Libc.ioctl(s, SIOCSIFFLAGS, req, "SIOCSIFFLAGS " + name + " up");
        } finally {
            Libc.close(s);
        }
    }

    public static int mtu(String name) {
        int s = NetCalls.socket(NetCalls.AF_INET, NetCalls.SOCK_DGRAM, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment req = Tun.ifreq(a, name);
            Libc.ioctl(s, SIOCGIFMTU, req, "SIOCGIFMTU " + name);
            return req.get(JAVA_INT, Tun.IFNAMSIZ);
        } finally {
            Libc.close(s);
        }
    }
}
