package org.jhyve.mgmt.daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Taps for {@code <interface type='bridge'|'network'>}, made with ip(8) as libvirt does: a tap
 * named by {@code <target dev>} or the first free vnetN, joined to the bridge and brought up;
 * deleted when the domain stops. The ip command may carry options (ip -n NETNS), which is how the
 * tests keep all of this inside a network namespace of their own.
 */
final class Taps {
    private final List<String> ip;
    private final Path networksDir;

    Taps(List<String> ip, Path networksDir) {
        this.ip = List.copyOf(ip);
        this.networksDir = networksDir;
    }

    private List<String> ip(String... args) {
        var cmd = new ArrayList<>(ip);
        cmd.addAll(List.of(args));
        return cmd;
    }

    boolean exists(String dev) { return HostCommand.run(ip("link", "show", "dev", dev)).status() == 0; }

    /** The bridge of a libvirt network: the name in networks/NAME, else a bridge called NAME. */
    String bridgeOfNetwork(String network) throws DaemonException {
        var f = networksDir.resolve(network);
        try {
            if (Files.isRegularFile(f)) return Files.readString(f).strip();
        } catch (java.io.IOException e) {
            throw new DaemonException("cannot read " + f + ": " + e.getMessage());
        }
        return network;
    }

    /** The first vnetN that neither exists nor is in taken. */
    String freeName(Set<String> taken) {
        for (int n = 0; ; n++) {
            var name = "vnet" + n;
            if (!taken.contains(name) && !exists(name)) return name;
        }
    }

    void create(String tap, String bridge) throws DaemonException {
        if (!exists(bridge)) throw new DaemonException("bridge '" + bridge + "' does not exist (for tap " + tap + ")");
        HostCommand.check(ip("tuntap", "add", "dev", tap, "mode", "tap"));
        try {
            HostCommand.check(ip("link", "set", "dev", tap, "master", bridge));
            HostCommand.check(ip("link", "set", "dev", tap, "up"));
        } catch (DaemonException e) {
            remove(tap);
            throw e;
        }
    }

    /** Deletes a tap; a tap that is already gone is fine. Returns the problem, or null. */
    String remove(String tap) {
        if (!exists(tap)) return null;
        var r = HostCommand.run(ip("link", "del", "dev", tap));
        return r.status() == 0 ? null : "cannot delete tap " + tap + ": " + r.output().strip();
    }
}
