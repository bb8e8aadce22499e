package org.jhyve.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** mprotect(2), kept apart because only the kick handler page needs it. */
final class Mprotect {
    private static final MethodHandle MPROTECT = Libc.bind("mprotect",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Mprotect() {}

    static void protect(MemorySegment seg, int prot) {
        try {
            int rc = (int) MPROTECT.invokeExact(seg, seg.byteSize(), prot);
            if (rc != 0) throw new IllegalStateException("mprotect failed for " + seg.byteSize() + " bytes, prot " + prot);
        } catch (Throwable t) {
            if (t instanceof RuntimeException r) throw r;
            throw new IllegalStateException(t);
        }
    }
}
