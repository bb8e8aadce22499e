package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A 16-byte compare-and-swap on host memory with the host's own LOCK CMPXCHG16B. Java has no
 * 128-bit CAS (VarHandles stop at 64 bits), and a Java lock would only exclude other Java
 * callers: guest code running natively on other vCPUs, and KVM's emulator, write guest RAM
 * without it. The instruction itself is atomic against all of them. It lives in an executable
 * page written here (as {@link Kick}'s handler does) and is called through an FFM downcall:
 * {@code int cas16(void *addr, uint64_t expect[2], uint64_t newLo, uint64_t newHi)}; on return
 * {@code expect} holds the old memory value, the result is 1 when the swap happened.
 */
public final class Cas16 {
    private static final byte[] CODE = {
            0x53,                                     // push rbx
            0x48, (byte) 0x89, (byte) 0xD3,           // mov rbx, rdx        (new low)
            0x49, (byte) 0x89, (byte) 0xF0,           // mov r8, rsi         (expect[])
            0x49, (byte) 0x8B, 0x00,                  // mov rax, [r8]
            0x49, (byte) 0x8B, 0x50, 0x08,            // mov rdx, [r8+8]
            (byte) 0xF0, 0x48, 0x0F, (byte) 0xC7, 0x0F, // lock cmpxchg16b [rdi] (rcx = new high)
            0x49, (byte) 0x89, 0x00,                  // mov [r8], rax
            0x49, (byte) 0x89, 0x50, 0x08,            // mov [r8+8], rdx
            0x0F, (byte) 0x94, (byte) 0xC0,           // sete al
            0x0F, (byte) 0xB6, (byte) 0xC0,           // movzx eax, al
            0x5B,                                     // pop rbx
            (byte) 0xC3,                              // ret
    };
    private static volatile MethodHandle handle;

    private Cas16() {}

    private static MethodHandle handle() {
        MethodHandle h = handle;
        if (h != null) return h;
        synchronized (Cas16.class) {
            if (handle == null) {
                MemorySegment page = Libc.mmap(4096, Libc.PROT_READ | Libc.PROT_WRITE,
                        Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0, "cmpxchg16b code page");
                MemorySegment.copy(CODE, 0, page, JAVA_BYTE, 0, CODE.length);
                Libc.mprotect(page, Libc.PROT_READ | Libc.PROT_EXEC);
                handle = Linker.nativeLinker().downcallHandle(page,
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG), Linker.Option.critical(false));
            }
            return handle;
        }
    }

    /** The outcome: whether memory held the expected value, and what it held before. */
    public record Result(boolean swapped, long oldLow, long oldHigh) {}

    /**
     * Atomically: if the 16 bytes at {@code target} equal expectHigh:expectLow, store
     * newHigh:newLow. {@code target} must be 16 bytes, 16-byte aligned in host memory.
     */
    public static Result compareAndSwap(MemorySegment target, long expectLow, long expectHigh, long newLow, long newHigh) {
        if (target.byteSize() < 16 || (target.address() & 15) != 0) {
            throw new IllegalArgumentException(String.format("cmpxchg16b target 0x%x+%d is not 16 bytes, 16-byte aligned",
                    target.address(), target.byteSize()));
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment expect = a.allocate(16, 16);
            expect.set(JAVA_LONG, 0, expectLow);
            expect.set(JAVA_LONG, 8, expectHigh);
            int ok = (int) handle().invokeExact(target, expect, newLow, newHigh);
            return new Result(ok != 0, expect.get(JAVA_LONG, 0), expect.get(JAVA_LONG, 8));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cmpxchg16b downcall failed", t);
        }
    }
}
