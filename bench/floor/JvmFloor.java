import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The start-up floor of any JDK 25 VMM that reaches the kernel through FFM, as jhyve does: the
 * JVM starts, links one downcall of the shape jhyve's system calls use (libc's syscall, seven
 * longs in, one out), makes one system call (getpid) and exits. No VM, no devices, no guest.
 * bench/bench.py runs it with bin/jhyve's JVM options and an AOT cache trained on it, next to
 * the trivial-guest start-to-exit of jhyve and QEMU. With the argument {@code hello} it only
 * prints and exits: the JVM's own start and exit, with no FFM at all.
 */
public final class JvmFloor {
    public static void main(String[] args) throws Throwable {
        if (args.length > 0 && args[0].equals("hello")) {
            System.out.println("poweroff: jvm hello");
            return;
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        long pid = (long) syscall.invokeExact(39L, 0L, 0L, 0L, 0L, 0L, 0L);   // SYS_getpid
        if (pid <= 0) throw new IllegalStateException("getpid returned " + pid);
        System.out.println("poweroff: jvm floor");
    }
}
