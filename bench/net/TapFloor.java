import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * bench/net/tapfloor.c's loop through JDK 25's FFM API, with jhyve's downcall shape (libc's
 * syscall, seven longs, not critical): what a JVM pays per frame on a tap before any guest, ring
 * or device model. Same arguments, warm-up and output as tapfloor.c; bench.py runs it with
 * bin/jhyve's JVM options on bin/jhyve's runtime.
 */
public final class TapFloor {
    private static final long SYS_WRITEV = 20, SYS_OPEN = 2, SYS_IOCTL = 16;
    private static final long TUNSETIFF = 0x400454caL, TUNSETVNETHDRSZ = 0x400454d8L;
    private static final int O_RDWR = 2, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
    private static final long WARM_NANOS = 500_000_000L;   // written uncounted first, as tapfloor.c's WARM
    private static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));

    /** libc's syscall: the result, or -1 (errno is not read: the loop only tells success from not). */
    private static long sys(long nr, long a1, long a2, long a3) throws Throwable {
        return (long) SYSCALL.invokeExact(nr, a1, a2, a3, 0L, 0L, 0L);
    }

    public static void main(String[] args) throws Throwable {
        if (args.length != 3) {
            System.err.println("usage: TapFloor TAP SECONDS FRAMEFILE");
            System.exit(2);
        }
        byte[] f = Files.readAllBytes(Path.of(args[2]));
        if (f.length <= 12 + 14) throw new IllegalArgumentException(args[2] + ": " + f.length + " bytes is no header and frame");
        Arena arena = Arena.global();
        long fd = sys(SYS_OPEN, arena.allocateFrom("/dev/net/tun").address(), O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
        if (fd < 0) throw new IllegalStateException("cannot open /dev/net/tun");
        MemorySegment ifr = arena.allocate(40, 8);
        ifr.setString(0, args[0]);
        ifr.set(JAVA_SHORT, 16, (short) (0x0002 | 0x1000 | 0x4000));   // IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
        if (sys(SYS_IOCTL, fd, TUNSETIFF, ifr.address()) < 0) throw new IllegalStateException("TUNSETIFF failed");
        MemorySegment hdr = arena.allocate(JAVA_INT);
        hdr.set(JAVA_INT, 0, 12);
        if (sys(SYS_IOCTL, fd, TUNSETVNETHDRSZ, hdr.address()) < 0) throw new IllegalStateException("TUNSETVNETHDRSZ failed");
        MemorySegment buf = arena.allocate(f.length, 64), iov = arena.allocate(32, 8);
        MemorySegment.copy(MemorySegment.ofArray(f), 0, buf, 0, f.length);
        iov.set(JAVA_LONG, 0, buf.address());             // two iovecs, as jhyve's: the header, then the frame
        iov.set(JAVA_LONG, 8, 12);
        iov.set(JAVA_LONG, 16, buf.address() + 12);
        iov.set(JAVA_LONG, 24, f.length - 12);
        for (long warm = System.nanoTime() + WARM_NANOS; System.nanoTime() < warm; ) {
            for (int i = 0; i < 256; i++) sys(SYS_WRITEV, fd, iov.address(), 2);
        }
        System.out.println("counting");
        System.out.flush();
        long frames = 0, start = System.nanoTime(), end = start + (long) (Double.parseDouble(args[1]) * 1e9);
        while (System.nanoTime() < end) {
            for (int i = 0; i < 256; i++) if (sys(SYS_WRITEV, fd, iov.address(), 2) > 0) frames++;
        }
        System.out.printf("frames=%d us=%.0f%n", frames, (System.nanoTime() - start) / 1e3);
    }
}
