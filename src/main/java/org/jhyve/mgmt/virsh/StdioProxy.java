package org.jhyve.mgmt.virsh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * {@code jvirsh --stdio-proxy [SOCKET]}: what jhyve+ssh runs on the remote host. Relays stdin to
 * the daemon's socket and the socket to stdout, and ends when the daemon closes the connection.
 */
final class StdioProxy {
    private StdioProxy() {}

    static int run(Path socket) {
        DaemonClient.Link link;
        try {
            link = DaemonClient.unix(socket);
        } catch (DaemonClient.Failure e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
        try (link) {
            var up = Thread.ofPlatform().daemon().name("proxy up").start(() -> {
                copy(System.in, link.out());
                link.halfClose();
            });
            copy(link.in(), System.out);
            up.interrupt();
            return 0;
        }
    }

    private static void copy(InputStream from, OutputStream to) {
        var buf = new byte[8192];
        try {
            for (int n; (n = from.read(buf)) > 0; ) {
                to.write(buf, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // one side ended
        }
    }
}
