package org.jhyve.devices.virtio;

import org.jhyve.config.ConfigException;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One virtio-console port as a Unix socket server (bhyve's sockets): one client at a time (a
 * second one is closed at once), bytes from the client wait in a bounded buffer until the guest
 * has receive buffers (the reader blocks when it is full: nothing is dropped), bytes from the
 * guest go to the client or are dropped while none is connected. The socket file is removed
 * when the port closes.
 */
final class ConsolePort implements AutoCloseable {
    /** Looked up per message, not at class load: the first lookup loads the logging back end. */
    private static System.Logger log() { return System.getLogger("org.jhyve.devices.virtio"); }
    static final int BUFFER = 64 * 1024;
    private static final int S_IFMT = 0170000, S_IFSOCK = 0140000;

    final int id;
    final String name;
    final Path path;
    private final ServerSocketChannel server;
    private final Runnable dataArrived;
    private final java.util.function.Consumer<Boolean> connectionChanged;
    private final Thread acceptor;
    private final byte[] pending = new byte[BUFFER];
    private int pendingLen;
    private SocketChannel client;
    private volatile boolean closed;

    ConsolePort(int id, String name, Path path, Runnable dataArrived, java.util.function.Consumer<Boolean> connectionChanged,
                String threadName) {
        this.id = id;
        this.name = name;
        this.path = path;
        this.dataArrived = dataArrived;
        this.connectionChanged = connectionChanged;
        try {
            if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if ((mode & S_IFMT) != S_IFSOCK) throw new ConfigException("vtcon: " + path + " exists and is not a socket");
                Files.delete(path);   // a stale socket of an earlier run
            }
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            throw new ConfigException("vtcon: cannot create socket " + path + ": " + e.getMessage());
        }
        acceptor = Thread.ofPlatform().daemon().name(threadName).unstarted(this::serve);
    }

    void start() { acceptor.start(); }

    private void serve() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (!closed) log().log(System.Logger.Level.WARNING, "vtcon port {0}: accept failed: {1}", name, e.getMessage());
                return;
            }
            synchronized (this) {
                if (client != null) {
                    try { c.close(); } catch (IOException ignored) { }
                    continue;
                }
                client = c;
            }
            connectionChanged.accept(true);
            Thread.ofPlatform().daemon().name(acceptor.getName() + " reader").start(() -> read(c));
        }
    }

    private void read(SocketChannel c) {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        try {
            while (!closed) {
                buf.clear();
                int n = c.read(buf);
                if (n < 0) break;
                buf.flip();
                offer(buf);
            }
        } catch (IOException | InterruptedException ignored) {
            // client gone or jhyve closing
        }
        synchronized (this) {
            if (client == c) client = null;
        }
        try { c.close(); } catch (IOException ignored) { }
        if (!closed) connectionChanged.accept(false);
    }

    private void offer(ByteBuffer b) throws InterruptedException {
        while (b.hasRemaining()) {
            synchronized (this) {
                while (pendingLen == BUFFER && !closed) wait();
                if (closed) return;
                int n = Math.min(b.remaining(), BUFFER - pendingLen);
                b.get(pending, pendingLen, n);
                pendingLen += n;
            }
            dataArrived.run();
        }
    }

    /** Takes up to max bytes that arrived from the client. */
    synchronized byte[] take(int max) {
        int n = Math.min(max, pendingLen);
        byte[] out = java.util.Arrays.copyOf(pending, n);
        System.arraycopy(pending, n, pending, 0, pendingLen - n);
        pendingLen -= n;
        notifyAll();
        return out;
    }

    synchronized boolean hasInput() { return pendingLen > 0; }

    synchronized boolean connected() { return client != null; }

    /** Sends guest output to the client; dropped when none is connected or it went away. */
    void send(byte[] data) {
        SocketChannel c;
        synchronized (this) { c = client; }
        if (c == null) return;
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) c.write(b);
        } catch (IOException e) {
            try { c.close(); } catch (IOException ignored) { }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
            try {
                if (client != null) client.close();
            } catch (IOException ignored) { }
        }
        try { server.close(); } catch (IOException ignored) { }
        try { Files.deleteIfExists(path); } catch (IOException ignored) { }
    }
}
