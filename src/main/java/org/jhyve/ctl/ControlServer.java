package org.jhyve.ctl;

import org.jhyve.sys.Libc;
import org.jhyve.sys.SysException;
import org.jhyve.sys.UnixListener;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A running jhyve's control socket ({@code ctl.sock} in the VM home), served by one thread
 * ("jhyve ctl"), one connection at a time: requests are rare and short. Raw system calls
 * (UnixListener), not java.nio: it is bound on the way to the first KVM_RUN.
 */
public final class ControlServer implements AutoCloseable {
    private final Path path;
    private final UnixListener server;
    private final ControlHandler handler;
    private final Thread thread;
    private volatile boolean closing;

    private ControlServer(Path path, UnixListener server, ControlHandler handler) {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.thread = Thread.ofPlatform().name("jhyve ctl").daemon(true).unstarted(this::serve);
    }

    /** Binds {@code path} (replacing a leftover socket file) and starts serving. */
    public static ControlServer start(Path path, ControlHandler handler) {
        UnixListener s;
        try {
            Files.deleteIfExists(path);
            s = UnixListener.bind(path);
        } catch (IOException | RuntimeException e) {
            throw new ControlException("cannot create control socket " + path + ": " + e.getMessage());
        }
        ControlServer c = new ControlServer(path, s, handler);
        c.thread.start();
        return c;
    }

    public Path path() { return path; }

    private void serve() {
        while (!closing) {
            int client;
            try {
                client = server.accept();
            } catch (SysException e) {
                if (closing) return;
                continue;
            }
            if (client < 0) return;
            try {
                answer(client);
            } catch (SysException e) {
                // one broken client must not end the service
            } finally {
                Libc.close(client);
            }
        }
    }

    private void answer(int client) {
        String line = readLine(client);
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
        UnixListener.writeAll(client, out.toString().getBytes(StandardCharsets.UTF_8));
        UnixListener.finish(client);
    }

    /** The request line without its newline; null at end of stream or past MAX_REQUEST bytes. */
    private static String readLine(int client) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(ControlProtocol.MAX_REQUEST);
            int have = 0;
            while (have < ControlProtocol.MAX_REQUEST) {
                int n = UnixListener.read(client, buf.asSlice(have));
                if (n == 0) return null;
                for (int i = have; i < have + n; i++) {
                    if (buf.get(JAVA_BYTE, i) == '\n') {
                        return new String(buf.asSlice(0, i).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
                    }
                }
                have += n;
            }
            return null;
        }
    }

    @Override
    public void close() {
        closing = true;
        server.close();
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
