package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Links the JDK's memory-segment accessors ahead of use. The first get/set through a value
 * layout initialises the JDK's LayoutPath and the layout's VarHandle (~5 ms of interpreted JDK
 * code, measured on the main thread at the first guest-memory and ioctl-argument accesses). Run
 * while the FFM downcall is still being linked on another thread (LinkAhead), it costs the start
 * nothing: the main thread would otherwise wait idle for that link.
 */
public final class SegmentAccess {
    private SegmentAccess() {}

    public static void warm() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocateFrom("jhyve");   // also the C-string path Libc.open takes
            MemorySegment w = a.allocate(16, 8);
            w.set(JAVA_BYTE, 0, s.get(JAVA_BYTE, 0));
            w.set(JAVA_SHORT, 2, w.get(JAVA_SHORT, 0));
            w.set(JAVA_INT, 4, w.get(JAVA_INT, 0));
            w.set(JAVA_LONG, 8, w.get(JAVA_LONG, 0));
            w.set(JAVA_SHORT_UNALIGNED, 1, w.get(JAVA_SHORT_UNALIGNED, 1));
            w.set(JAVA_INT_UNALIGNED, 1, w.get(JAVA_INT_UNALIGNED, 1));
            w.set(JAVA_LONG_UNALIGNED, 1, w.get(JAVA_LONG_UNALIGNED, 1));
        }
    }
}
