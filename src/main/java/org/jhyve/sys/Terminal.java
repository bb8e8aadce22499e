package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Terminal modes and pseudo-terminals: what a serial console back end needs from libc. */
public final class Terminal {
    private static final MethodHandle ISATTY = Libc.bind("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETATTR = Libc.bind("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TCSETATTR = Libc.bind("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CFMAKERAW = Libc.bind("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle POSIX_OPENPT = Libc.bind("posix_openpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GRANTPT = Libc.bind("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle UNLOCKPT = Libc.bind("unlockpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PTSNAME = Libc.bind("ptsname", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /** struct termios is 60 bytes in glibc; c_cflag sits at offset 8. */
    private static final int TERMIOS_SIZE = 64, C_CFLAG = 8, CLOCAL = 04000, TCSANOW = 0;

    private Terminal() {}

    public static boolean isatty(int fd) {
        try { return (int) ISATTY.invokeExact(fd) == 1; } catch (Throwable t) { return false; }
    }

    /**
     * Puts a terminal in raw mode with CLOCAL, as bhyve does for its console, and returns the
     * action restoring the previous mode. Not a terminal: nothing to do.
     */
    public static Runnable makeRaw(int fd) {
        if (!isatty(fd)) return () -> { };
        Arena arena = Arena.ofShared();
        try {
            MemorySegment saved = arena.allocate(TERMIOS_SIZE, 8);
            if ((int) TCGETATTR.invokeExact(fd, saved) != 0) throw new IllegalStateException("tcgetattr fd " + fd + " failed");
            MemorySegment raw = arena.allocate(TERMIOS_SIZE, 8);
            raw.copyFrom(saved);
            CFMAKERAW.invokeExact(raw);
            raw.set(JAVA_INT, C_CFLAG, raw.get(JAVA_INT, C_CFLAG) | CLOCAL);
            if ((int) TCSETATTR.invokeExact(fd, TCSANOW, raw) != 0) throw new IllegalStateException("tcsetattr fd " + fd + " failed");
            return () -> {
                try { int ignored = (int) TCSETATTR.invokeExact(fd, TCSANOW, saved); } catch (Throwable t) { /* best effort at exit */ }
            };
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A new pseudo-terminal: the master fd and the path of its slave side. */
    public record Pty(int masterFd, String slavePath) {}

    public static Pty openPty() {
        try {
            int fd = (int) POSIX_OPENPT.invokeExact(Libc.O_RDWR | Libc.O_NOCTTY);
            if (fd < 0) throw new IllegalStateException("posix_openpt failed");
            if ((int) GRANTPT.invokeExact(fd) != 0 || (int) UNLOCKPT.invokeExact(fd) != 0) {
                Libc.close(fd);
                throw new IllegalStateException("grantpt/unlockpt failed");
            }
            MemorySegment name = (MemorySegment) PTSNAME.invokeExact(fd);
            if (name.address() == 0) throw new IllegalStateException("ptsname failed");
            // The master side carries raw bytes; the slave's line discipline is the user's business.
            return new Pty(fd, name.reinterpret(256).getString(0));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
