package org.jhyve.ctl;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A running jhyve's control socket ({@code ctl.sock} in the VM home), served by one thread
 * ("jhyve ctl"), one connection at a time: requests are rare and short.
 */
public final class ControlServer implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;
    private final ControlHandler handler;
    private final Thread thread;
    private volatile boolean closing;

    private ControlServer(Path path, ServerSocketChannel server, ControlHandler handler) {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.thread = Thread.ofPlatform().name("jhyve ctl").daemon(true).unstarted(this::serve);
    }

    /** Binds {@code path} (replacing a leftover socket file) and starts serving. */
    public static ControlServer start(Path path, ControlHandler handler) {
        ServerSocketChannel s = null;
        try {
            Files.deleteIfExists(path);
            s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException | RuntimeException e) {
            if (s != null) try { s.close(); } catch (IOException ignored) { }
            throw new ControlException("cannot create control socket " + path + ": " + e);
        }
        ControlServer c = new ControlServer(path, s, handler);
        c.thread.start();
        return c;
    }

    public Path path() { return path; }

    private void serve() {
        while (!closing) {
            try (SocketChannel ch = server.accept()) {
                answer(ch);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closing) return;
                // one broken client must not end the service
            }
        }
    }

    private void answer(SocketChannel ch) throws IOException {
        String line = readLine(ch);
        StringBuilder out = new StringBuilder();
        if (line == null) {
            out.append(ControlProtocol.ERROR).append("request line missing or longer than ").append(ControlProtocol.MAX_REQUEST)
                    .append(" bytes\n");
        } else {
            List<String> words = Arrays.stream(line.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
            try {
                if (words.isEmpty()) throw new ControlException("empty request");
                for (String l : handler.handle(words.getFirst(), words.subList(1, words.size()))) out.append(l).append('\n');
                out.append(ControlProtocol.OK).append('\n');
            } catch (RuntimeException e) {
                out.setLength(0);
                out.append(ControlProtocol.ERROR).append(String.valueOf(e.getMessage()).replace('\n', ' ')).append('\n');
            }
        }
        ByteBuffer b = ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) ch.write(b);
    }

    private static String readLine(SocketChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(ControlProtocol.MAX_REQUEST);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) break;
            for (int i = 0; i < b.position(); i++) {
                if (b.get(i) == '\n') return new String(b.array(), 0, i, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Override
    public void close() {
        closing = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // the socket file is removed below either way
        }
        // A request that ended the VM (--force-reset, --force-poweroff) is still writing its
        // answer: let it finish before the process exits, or jhyvectl sees no answer.
        if (Thread.currentThread() != thread) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a leftover socket file is replaced by the next start
        }
    }
}
