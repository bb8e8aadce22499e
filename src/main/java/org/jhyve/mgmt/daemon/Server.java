package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import jdk.net.ExtendedSocketOptions;

/**
 * jhyved's Unix socket. The protocol: the client sends one JSON object on one line
 * ({"op":"start","name":"vm1"}), the daemon answers one line ({"ok":true,"result":...} or
 * {"ok":false,"error":"..."}) and closes, except for "console", after whose answer the connection
 * carries the console's bytes both ways until either side closes it. The socket file is 0600 and
 * only root or the daemon's own user may talk to it (checked with SO_PEERCRED as well).
 */
public final class Server implements AutoCloseable {
    private static final int MAX_REQUEST = 1 << 20;

    private final Daemon daemon;
    private final Path path;
    private final ServerSocketChannel server;
    private final Consumer<String> log;
    private final Thread acceptor;
    private volatile boolean closed;

    private Server(Daemon daemon, Path path, ServerSocketChannel server, Consumer<String> log) {
        this.daemon = daemon;
        this.path = path;
        this.server = server;
        this.log = log;
        this.acceptor = Thread.ofPlatform().name("jhyved accept").start(this::acceptLoop);
    }

    /** Binds the socket (refusing when another daemon answers on it) and starts serving. */
    public static Server start(Daemon daemon, Path path, Consumer<String> log) throws IOException {
        Files.createDirectories(path.getParent());
        if (Files.exists(path)) {
            try (var probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                throw new IOException("another jhyved is listening on " + path);
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("another jhyved")) throw e;
                Files.delete(path); // a stale socket of a daemon that died
            }
        }
        var ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        return new Server(daemon, path, ch, log);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (!closed) log.accept("accept failed: " + e.getMessage());
                return;
            }
            Thread.ofVirtual().name("jhyved client").start(() -> serve(c));
        }
    }

    private static boolean allowed(SocketChannel c) {
        try {
            var who = c.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
            return who.equals("root") || who.equals(System.getProperty("user.name"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            var in = ChannelStreams.in(c);
            var out = ChannelStreams.out(c);
            if (!allowed(c)) {
                reply(out, error("access denied: jhyved serves root only"));
                return;
            }
            var line = readLine(in);
            if (line == null) return;
            Map<String, Object> req;
            try {
                req = Json.parseObject(line);
            } catch (IllegalArgumentException e) {
                reply(out, error("bad request: " + e.getMessage()));
                return;
            }
            if ("console".equals(req.get("op"))) {
                console(req, c, in, out);
                return;
            }
            Object result;
            try {
                result = Requests.handle(daemon, req);
            } catch (DaemonException e) {
                reply(out, error(e.getMessage()));
                return;
            } catch (RuntimeException e) {
                log.accept("request " + line + " failed: " + e);
                reply(out, error("internal error: " + e));
                return;
            }
            var ok = new LinkedHashMap<String, Object>();
            ok.put("ok", true);
            ok.put("result", result);
            reply(out, ok);
        } catch (IOException e) {
            // the client went away
        }
    }

    /** The answer, then the console's bytes both ways until the client leaves or the VM ends. */
    private void console(Map<String, Object> req, SocketChannel c, InputStream in, OutputStream out) throws IOException {
        ConsolePort port;
        try {
            var name = daemon.resolve(Json.str(req, "name"));
            var r = daemon.running(name);
            if (r == null) throw new DaemonException("Requested operation is not valid: domain is not running");
            var dev = Json.str(req, "device");
            port = dev == null ? r.consoles.values().stream().findFirst().orElse(null) : r.consoles.get(consoleKey(dev));
            if (port == null) {
                throw new DaemonException("internal error: cannot find character device " + (dev == null ? "<null>" : dev));
            }
        } catch (DaemonException e) {
            reply(out, error(e.getMessage()));
            return;
        }
        var locked = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                synchronized (out) {
                    out.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (out) {
                    out.write(b, off, len);
                }
            }
        };
        ConsolePort.Client client = new ConsolePort.Client() {
            @Override
            public OutputStream out() { return locked; }

            @Override
            public void disconnect() {
                try {
                    c.close();
                } catch (IOException e) {
                    // closing is all we wanted
                }
            }
        };
        // attach and answer under the stream's lock, so that no console byte precedes the answer
        synchronized (out) {
            try {
                port.attach(client, Json.bool(req, "force"));
            } catch (DaemonException e) {
                reply(out, error(e.getMessage()));
                return;
            }
            var ok = new LinkedHashMap<String, Object>();
            ok.put("ok", true);
            ok.put("result", Map.of("device", port.device, "pty", port.path));
            reply(out, ok);
        }
        var buf = new byte[1024];
        try {
            for (int n; (n = in.read(buf)) > 0; ) port.input(buf, n);
        } catch (IOException | DaemonException e) {
            // the client left or the console went away
        } finally {
            port.detach(client);
        }
    }

    /** "serial0"/"console0" or "com1" to jhyve's port name. */
    private static String consoleKey(String dev) {
        var m = java.util.regex.Pattern.compile("(?:serial|console)(\\d)").matcher(dev);
        if (m.matches()) return "com" + (Integer.parseInt(m.group(1)) + 1);
        return dev;
    }

    static Map<String, Object> error(String message) {
        var m = new LinkedHashMap<String, Object>();
        m.put("ok", false);
        m.put("error", message);
        return m;
    }

    static void reply(OutputStream out, Map<String, Object> m) throws IOException {
        out.write((Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One line of the stream, byte by byte so nothing after it is consumed; null at EOF. */
    public static String readLine(InputStream in) throws IOException {
        var b = new java.io.ByteArrayOutputStream();
        while (true) {
            int x = in.read();
            if (x < 0) return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
            if (x == '\n') return b.toString(StandardCharsets.UTF_8);
            if (b.size() >= MAX_REQUEST) throw new IOException("request longer than " + MAX_REQUEST + " bytes");
            b.write(x);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.accept("closing " + path + ": " + e.getMessage());
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static List<Object> list(List<?> l) { return new ArrayList<>(l); }
}
