package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Terminal modes and pseudo-terminals: what a serial console back end needs. Everything goes
 * through the kernel's tty ioctls on {@link Libc#syscall}, not libc's isatty/tcgetattr/...:
 * each libc function shape would cost its own FFM downcall stub (several ms) at every start.
 */
public final class Terminal {
    /** Linux tty ioctls (asm-generic/ioctls.h). */
    private static final long TCGETS = 0x5401, TCSETS = 0x5402, TIOCGPTN = 0x80045430L, TIOCSPTLCK = 0x40045431L;

    /**
     * The kernel's struct termios (36 bytes): c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc[19].
     * Saved and restored whole, so glibc's larger struct (speeds) never matters.
     */
    private static final int TERMIOS_SIZE = 64, C_IFLAG = 0, C_OFLAG = 4, C_CFLAG = 8, C_LFLAG = 12, C_CC = 17;
    private static final int VTIME = 5, VMIN = 6;
    private static final int IGNBRK = 01, BRKINT = 02, PARMRK = 010, ISTRIP = 040, INLCR = 0100, IGNCR = 0200,
            ICRNL = 0400, IXON = 02000, OPOST = 01, ISIG = 01, ICANON = 02, ECHO = 010, ECHONL = 0100,
            IEXTEN = 0100000, CSIZE = 060, CS8 = 060, PARENB = 0400, CLOCAL = 04000;

    private Terminal() {}

    public static boolean isatty(int fd) {
        try (Arena a = Arena.ofConfined()) {
            return Libc.ioctlRaw(fd, TCGETS, a.allocate(TERMIOS_SIZE, 8).address()) >= 0;
        }
    }

    /** What glibc's cfmakeraw does to a termios. */
    static void cfmakeraw(MemorySegment t) {
        t.set(JAVA_INT, C_IFLAG, t.get(JAVA_INT, C_IFLAG) & ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON));
        t.set(JAVA_INT, C_OFLAG, t.get(JAVA_INT, C_OFLAG) & ~OPOST);
        t.set(JAVA_INT, C_LFLAG, t.get(JAVA_INT, C_LFLAG) & ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN));
        t.set(JAVA_INT, C_CFLAG, (t.get(JAVA_INT, C_CFLAG) & ~(CSIZE | PARENB)) | CS8);
        t.set(JAVA_BYTE, C_CC + VMIN, (byte) 1);
        t.set(JAVA_BYTE, C_CC + VTIME, (byte) 0);
    }

    /**
     * Puts a terminal in raw mode with CLOCAL, as bhyve does for its console, and returns the
     * action restoring the previous mode. Not a terminal: nothing to do.
     */
    public static Runnable makeRaw(int fd) {
        // Not a terminal (the usual case under a supervisor) costs one confined arena; closing a
        // shared one would be a handshake with every thread.
        if (!isatty(fd)) return () -> { };
        // The saved mode lives as long as the restore action, which may run on any thread.
        Arena arena = Arena.ofAuto();
        MemorySegment saved = arena.allocate(TERMIOS_SIZE, 8);
        int got = Libc.ioctlRaw(fd, TCGETS, saved.address());
        if (got < 0) throw new SysException("tcgetattr fd " + fd, -got);
        MemorySegment raw = arena.allocate(TERMIOS_SIZE, 8);
        raw.copyFrom(saved);
        cfmakeraw(raw);
        raw.set(JAVA_INT, C_CFLAG, raw.get(JAVA_INT, C_CFLAG) | CLOCAL);
        int rc = Libc.ioctlRaw(fd, TCSETS, raw.address());
        if (rc < 0) throw new SysException("tcsetattr fd " + fd, -rc);
        return () -> Libc.ioctlRaw(fd, TCSETS, saved.address()); // best effort at exit
    }

    /** A new pseudo-terminal: the master fd and the path of its slave side. */
    public record Pty(int masterFd, String slavePath) {}

    /** posix_openpt + grantpt (nothing to do with devpts) + unlockpt + ptsname, as ioctls. */
    public static Pty openPty() {
        int fd = Libc.open("/dev/ptmx", Libc.O_RDWR | Libc.O_NOCTTY, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, 0);
            Libc.ioctl(fd, TIOCSPTLCK, v, "unlockpt (TIOCSPTLCK) fd " + fd);
            Libc.ioctl(fd, TIOCGPTN, v, "ptsname (TIOCGPTN) fd " + fd);
            // The master side carries raw bytes; the slave's line discipline is the user's business.
            return new Pty(fd, "/dev/pts/" + v.get(JAVA_INT, 0));
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }
}
