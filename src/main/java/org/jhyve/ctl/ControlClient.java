package org.jhyve.ctl;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** jhyvectl's side of the control socket: one request, its answer lines. */
public final class ControlClient {
    private ControlClient() {}

    /** Sends {@code request}; returns the answer lines, or throws with the server's error message. */
    public static List<String> call(Path socket, String request) {
        String text;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) ch.write(out);
            ch.shutdownOutput();
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (ch.read(in) >= 0) {
                all.write(in.array(), 0, in.position());
                in.clear();
            }
            text = all.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ControlException("cannot reach jhyve on " + socket + ": " + e.getMessage());
        }
        List<String> lines = new ArrayList<>(text.lines().toList());
        if (lines.isEmpty()) throw new ControlException("jhyve closed " + socket + " without an answer");
        String last = lines.removeLast();
        if (last.equals(ControlProtocol.OK)) return lines;
        if (last.startsWith(ControlProtocol.ERROR)) throw new ControlException(last.substring(ControlProtocol.ERROR.length()));
        throw new ControlException("malformed answer from jhyve: " + last);
    }
}
