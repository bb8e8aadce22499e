package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;

/**
 * VNC port bookkeeping for autoport graphics, as libvirt keeps it: the lowest port from 5900 that
 * no running domain holds and nothing on the host listens on. jhyve has no framebuffer yet, so the
 * port is only reserved and shown in the live XML.
 */
final class VncPorts {
    static final int FIRST = 5900, LAST = 65535;

    private VncPorts() {}

    static int allocate(Set<Integer> taken, String listen) throws DaemonException {
        for (int p = FIRST; p <= LAST; p++) {
            if (!taken.contains(p) && free(p, listen)) return p;
        }
        throw new DaemonException("no free VNC port between " + FIRST + " and " + LAST);
    }

    static boolean free(int port, String listen) {
        try (var s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(InetAddress.getByName(listen == null ? "127.0.0.1" : listen), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
