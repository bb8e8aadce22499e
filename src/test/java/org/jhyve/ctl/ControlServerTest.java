package org.jhyve.ctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlServerTest {
    @Test
    void answersRequestsAndReportsErrors(@TempDir Path dir) {
        Path sock = dir.resolve("ctl.sock");
        ControlHandler h = (cmd, args) -> switch (cmd) {
            case "echo" -> args;
            case "fail" -> throw new ControlException("no such thing: " + args);
            default -> throw new ControlException("unknown control command '" + cmd + "'");
        };
        try (ControlServer s = ControlServer.start(sock, h)) {
            assertEquals(List.of("a", "b"), ControlClient.call(sock, "echo a  b"));
            assertEquals(List.of(), ControlClient.call(sock, "echo"));
            assertEquals("no such thing: [x]", assertThrows(ControlException.class, () -> ControlClient.call(sock, "fail x")).getMessage());
            assertEquals("unknown control command 'what'", assertThrows(ControlException.class, () -> ControlClient.call(sock, "what")).getMessage());
            assertEquals("empty request", assertThrows(ControlException.class, () -> ControlClient.call(sock, "   ")).getMessage());
        }
        assertFalse(Files.exists(sock), "the socket file goes with the server");
        ControlException gone = assertThrows(ControlException.class, () -> ControlClient.call(sock, "echo"));
        assertEquals(true, gone.getMessage().startsWith("cannot reach jhyve on " + sock), gone.getMessage());
    }

    /** A client that sends no newline, or too much, gets an error and the server keeps serving. */
    @Test
    void refusesOverlongAndUnterminatedRequestsAndKeepsServing(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("ctl.sock");
        try (ControlServer s = ControlServer.start(sock, (cmd, args) -> List.of(cmd))) {
            String tooLong = "x".repeat(ControlProtocol.MAX_REQUEST + 10);
            ControlException e = assertThrows(ControlException.class, () -> ControlClient.call(sock, tooLong));
            assertTrue(e.getMessage().startsWith("request line missing or longer than"), e.getMessage());
            try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                ch.connect(java.net.UnixDomainSocketAddress.of(sock));
                ch.write(java.nio.ByteBuffer.wrap("no newline".getBytes()));
                ch.shutdownOutput();
                var in = java.nio.ByteBuffer.allocate(256);
                while (ch.read(in) >= 0) { }
                assertTrue(new String(in.array(), 0, in.position()).startsWith(ControlProtocol.ERROR), "an error answer");
            }
            assertEquals(List.of("ping"), ControlClient.call(sock, "ping"));
        }
    }
}
