package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TerminalTest {
    @Test
    void cfmakerawClearsWhatGlibcClears() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(64, 8);
            t.set(JAVA_INT, 0, 0xFFFF_FFFF);
            t.set(JAVA_INT, 4, 0xFFFF_FFFF);
            t.set(JAVA_INT, 8, 0x0000_0000);
            t.set(JAVA_INT, 12, 0xFFFF_FFFF);
            Terminal.cfmakeraw(t);
            // glibc: iflag &= ~(IGNBRK|BRKINT|PARMRK|ISTRIP|INLCR|IGNCR|ICRNL|IXON) = ~0x5EB
            assertEquals(~0x5EB, t.get(JAVA_INT, 0));
            assertEquals(~1, t.get(JAVA_INT, 4));
            assertEquals(060, t.get(JAVA_INT, 8));
            assertEquals(~(010 | 0100 | 02 | 01 | 0100000), t.get(JAVA_INT, 12));
            assertEquals(1, t.get(JAVA_BYTE, 17 + 6));
            assertEquals(0, t.get(JAVA_BYTE, 17 + 5));
        }
    }

    @Test
    void aRegularFileIsNoTerminalAndMakeRawLeavesItAlone() throws Exception {
        Path f = Files.createTempFile("jhyve-tty", ".txt");
        try {
            int fd = Libc.open(f.toString(), Libc.O_RDONLY, 0);
            try {
                assertFalse(Terminal.isatty(fd));
                Terminal.makeRaw(fd).run();
            } finally {
                Libc.close(fd);
            }
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void aPtySlaveIsATerminalAndGoesRawAndBack() {
        Terminal.Pty pty = Terminal.openPty();
        try {
            assertTrue(pty.slavePath().startsWith("/dev/pts/"), pty.slavePath());
            assertTrue(Terminal.isatty(pty.masterFd()));
            int slave = Libc.open(pty.slavePath(), Libc.O_RDWR | Libc.O_NOCTTY, 0);
            try (Arena a = Arena.ofConfined()) {
                assertTrue(Terminal.isatty(slave));
                MemorySegment before = a.allocate(64, 8);
                assertTrue(Libc.ioctlRaw(slave, 0x5401, before.address()) >= 0);
                assertNotEquals(0, before.get(JAVA_INT, 12) & 02, "a fresh pty is canonical");
                Runnable restore = Terminal.makeRaw(slave);
                MemorySegment raw = a.allocate(64, 8);
                assertTrue(Libc.ioctlRaw(slave, 0x5401, raw.address()) >= 0);
                assertEquals(0, raw.get(JAVA_INT, 12) & 02, "ICANON off");
                assertEquals(04000, raw.get(JAVA_INT, 8) & 04000, "CLOCAL on");
                restore.run();
                MemorySegment after = a.allocate(64, 8);
                assertTrue(Libc.ioctlRaw(slave, 0x5401, after.address()) >= 0);
                assertEquals(before.get(JAVA_INT, 12), after.get(JAVA_INT, 12));
                assertEquals(before.get(JAVA_INT, 8), after.get(JAVA_INT, 8));
            } finally {
                Libc.close(slave);
            }
        } finally {
            Libc.close(pty.masterFd());
        }
    }
}
