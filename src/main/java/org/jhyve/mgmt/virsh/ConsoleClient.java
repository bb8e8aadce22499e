package org.jhyve.mgmt.virsh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import org.jhyve.sys.Terminal;

/**
 * virsh console: the domain's serial console through the daemon (locally or over ssh). The local
 * terminal is put in raw mode while attached; Ctrl-] leaves. When input is not a terminal (a
 * script, a test) its end only stops the sending: output is shown until the domain's console closes.
 */
final class ConsoleClient {
    static final int ESCAPE = 0x1d; // Ctrl-]

    private ConsoleClient() {}

    static int run(DaemonClient client, String name, String device, boolean force, InputStream stdin, PrintStream out,
                   PrintStream err, boolean stdinIsTerminal) throws DaemonClient.Failure {
        var req = new java.util.LinkedHashMap<String, Object>();
        req.put("op", "console");
        req.put("name", name);
        if (device != null) req.put("device", device);
        req.put("force", force);
        try (var link = client.open()) {
            try {
                DaemonClient.send(link, req);
            } catch (IOException e) {
                throw new DaemonClient.Failure("failed to connect to the hypervisor\nerror: " + e.getMessage());
            }
            DaemonClient.answer(link);
            err.print("Connected to domain '" + name + "'\r\nEscape character is ^] (Ctrl + ])\r\n");
            err.flush();
            Runnable restore = stdinIsTerminal ? Terminal.makeRaw(0) : () -> {};
            try {
                var sender = Thread.ofPlatform().daemon().name("console input").start(() -> pumpInput(stdin, link.out(), link));
                var buf = new byte[4096];
                try {
                    for (int n; (n = link.in().read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // the console closed
                }
                sender.interrupt();
            } finally {
                restore.run();
            }
            err.print("\r\n");
            err.flush();
            return 0;
        }
    }

    private static void pumpInput(InputStream stdin, OutputStream to, DaemonClient.Link link) {
        var buf = new byte[1024];
        try {
            for (int n; (n = stdin.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if ((buf[i] & 0xff) == ESCAPE) {
                        if (i > 0) to.write(buf, 0, i);
                        to.flush();
                        link.close();
                        return;
                    }
                }
                to.write(buf, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // the connection ended
        }
    }

}
