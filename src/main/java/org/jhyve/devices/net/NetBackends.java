package org.jhyve.devices.net;

import org.jhyve.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * bhyve's {@code backend} variable to a back end. bhyve names taps "tapN" and "vmnetN"; on Linux
 * any existing tun/tap interface is accepted by name too. FreeBSD's netgraph, netmap/VALE and
 * slirp back ends are refused with a hint.
 */
public final class NetBackends {
    private NetBackends() {}

    /** Opens the back end called backend (null: none, returns null). where names the device for messages. */
    public static NetBackend open(String backend, int vnetHeaderLength, String where) {
        if (backend == null) return null;
        if (isTapName(backend)) {
            try {
                return TapBackend.open(backend, vnetHeaderLength);
            } catch (ConfigException e) {
                throw new ConfigException(where + ": " + e.getMessage(), e);
            }
        }
        if (backend.startsWith("netgraph") || backend.startsWith("netmap:") || backend.startsWith("vale")) {
            throw new ConfigException(where + ": network backend '" + backend + "' is FreeBSD-only; use a tap (tap0)");
        }
        if (backend.startsWith("slirp")) {
            throw new ConfigException(where + ": network backend 'slirp' is not implemented in jhyve; use a tap "
                    + "(jhyve-net private gives guests NAT and DHCP)");
        }
        throw new ConfigException(where + ": unknown network backend '" + backend
                + "' (a tap: tapN, vmnetN or the name of an existing tap interface)");
    }

    /** tapN / vmnetN as in bhyve, or the name of an existing tun/tap interface. */
    static boolean isTapName(String s) {
        if (s.startsWith("tap") || s.startsWith("vmnet")) return true;
        return !s.contains("/") && !s.contains("..") && Files.exists(Path.of("/sys/class/net", s, "tun_flags"));
    }
}
