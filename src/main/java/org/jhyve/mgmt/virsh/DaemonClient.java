package org.jhyve.mgmt.virsh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jhyve.mgmt.daemon.DaemonConfig;
import org.jhyve.mgmt.daemon.Json;
import org.jhyve.mgmt.daemon.Server;

/**
 * Talks to jhyved: over its Unix socket, or through ssh, where the remote side runs
 * {@code jvirsh --stdio-proxy [SOCKET]} and passes the bytes on to the daemon's socket there (the
 * way libvirt runs nc or virt-ssh-helper). Each request is one connection.
 */
final class DaemonClient {
    /** A failed request; the message is the daemon's (or the connection's) error. */
    static final class Failure extends Exception {
        Failure(String m) { super(m); }
    }

    /** One open connection: the two byte streams and how to close them. */
    interface Link extends AutoCloseable {
        InputStream in();

        OutputStream out();

        /** No more requests or keystrokes: the daemon sees the end of its input. */
        default void halfClose() {}

        @Override
        void close();
    }

    private final ConnectUri uri;
    private final Map<String, String> env;

    DaemonClient(ConnectUri uri, Map<String, String> env) {
        this.uri = uri;
        this.env = env;
    }

    /** The local socket: ?socket= in the URI, else JHYVE_SOCKET, else /run/jhyve/jhyved.sock. */
    static Path localSocket(ConnectUri uri, Map<String, String> env) {
        var s = uri == null ? null : uri.params().get("socket");
        return s != null && !s.isEmpty() ? Path.of(s) : DaemonConfig.clientSocket(env);
    }

    Link open() throws Failure {
        return uri.ssh() ? ssh() : unix(localSocket(uri, env));
    }

    static Link unix(Path socket) throws Failure {
        try {
            var ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            var in = org.jhyve.mgmt.daemon.ChannelStreams.in(ch);
            var out = org.jhyve.mgmt.daemon.ChannelStreams.out(ch);
            return new Link() {
                public InputStream in() { return in; }

                public OutputStream out() { return out; }

                public void halfClose() {
                    try {
                        ch.shutdownOutput();
                    } catch (IOException e) {
                        // already closed
                    }
                }

                public void close() {
                    try {
                        ch.close();
                    } catch (IOException e) {
                        // nothing more to do
                    }
                }
            };
        } catch (IOException e) {
            throw new Failure("failed to connect to the hypervisor\nerror: Failed to connect socket to '" + socket + "': "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    /** The ssh command line for this URI. */
    List<String> sshCommand() {
        var p = uri.params();
        var cmd = new ArrayList<String>();
        cmd.add(p.getOrDefault("command", "ssh"));
        if (uri.port() != null) cmd.addAll(List.of("-p", uri.port().toString()));
        if (uri.user() != null) cmd.addAll(List.of("-l", uri.user()));
        if (p.containsKey("keyfile")) cmd.addAll(List.of("-i", p.get("keyfile"), "-o", "IdentitiesOnly=yes"));
        if ("1".equals(p.get("no_verify"))) {
            cmd.addAll(List.of("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"));
        }
        cmd.addAll(List.of("-T", "-o", "BatchMode=yes", "-e", "none", uri.host(), "--"));
        cmd.add(p.getOrDefault("jvirsh", "jvirsh"));
        cmd.add("--stdio-proxy");
        if (p.containsKey("socket")) cmd.add(p.get("socket"));
        return cmd;
    }

    private Link ssh() throws Failure {
        Process proc;
        try {
            proc = new ProcessBuilder(sshCommand()).redirectError(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            throw new Failure("failed to connect to the hypervisor\nerror: cannot run ssh: " + e.getMessage());
        }
        var errText = new StringBuilder();
        var errPump = Thread.ofPlatform().daemon().start(() -> {
            try {
                var s = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                synchronized (errText) {
                    errText.append(s);
                }
            } catch (IOException e) {
                // ssh's stderr closed
            }
        });
        return new Link() {
            public InputStream in() {
                return new InputStream() {
                    @Override
                    public int read() throws IOException {
                        int b = proc.getInputStream().read();
                        if (b < 0) checkSsh();
                        return b;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = proc.getInputStream().read(b, off, len);
                        if (n < 0) checkSsh();
                        return n;
                    }
                };
            }

            /** An ssh that ended with nothing on stdout failed to connect: say why. */
            private void checkSsh() throws IOException {
                try {
                    if (proc.waitFor() != 0) {
                        errPump.join(2000);
                        synchronized (errText) {
                            if (!errText.isEmpty()) throw new IOException("ssh: " + errText.toString().strip());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            public OutputStream out() { return proc.getOutputStream(); }

            public void close() {
                try {
                    proc.getOutputStream().close();
                } catch (IOException e) {
                    // already closed
                }
                try {
                    if (!proc.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) proc.destroy();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    proc.destroy();
                }
            }
        };
    }

    static void send(Link l, Map<String, Object> req) throws IOException {
        l.out().write((Json.write(req) + "\n").getBytes(StandardCharsets.UTF_8));
        l.out().flush();
    }

    /** Reads the daemon's answer line; returns its result or throws its error. */
    static Object answer(Link l) throws Failure {
        String line;
        try {
            line = Server.readLine(l.in());
        } catch (IOException e) {
            throw new Failure("failed to connect to the hypervisor\nerror: " + e.getMessage());
        }
        if (line == null) throw new Failure("failed to connect to the hypervisor\nerror: the daemon closed the connection");
        Map<String, Object> m;
        try {
            m = Json.parseObject(line);
        } catch (IllegalArgumentException e) {
            throw new Failure("internal error: bad answer from the daemon: " + e.getMessage());
        }
        if (!Json.bool(m, "ok")) throw new Failure(String.valueOf(m.get("error")));
        return m.get("result");
    }

    /** One request, one answer. */
    Object call(Map<String, Object> req) throws Failure {
        try (var l = open()) {
            try {
                send(l, req);
            } catch (IOException e) {
                throw new Failure("failed to connect to the hypervisor\nerror: " + e.getMessage());
            }
            return answer(l);
        }
    }
}
