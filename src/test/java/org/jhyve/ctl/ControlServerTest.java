package org.jhyve.ctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
