package org.jhyve.sys;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

/** io_uring's batched writev against a memfd: every request lands where it was aimed, results come back by tag. */
class IoUringTest {
    static IoUring ringOrSkip(int entries) {
        try {
            return IoUring.create(entries);
        } catch (SysException e) {
            // loudly, as the KVM tests do: the tap then sends one writev per frame
            System.err.println("*** IoUringTest SKIPPED: io_uring is not available here: " + e.getMessage() + " ***");
            Assumptions.abort("io_uring is not available: " + e.getMessage());
            return null;
        }
    }

    @Test
    void aBatchOfGatheredWritesLandsWhereEachWasAimedAndReportsByTag() {
        int fd = Libc.memfdCreate("iouring-test");
        try (Arena a = Arena.ofConfined(); IoUring ring = ringOrSkip(4)) {
            assertEquals(4, ring.entries());
            String[][] frames = {{"ab", "cde"}, {"fgh", "ij"}, {"k", "lmnop"}};
            MemorySegment iovs = a.allocate(16L * 6, 8);
            for (int f = 0; f < 3; f++) {
                for (int p = 0; p < 2; p++) {
                    MemorySegment part = a.allocateFrom(frames[f][p], StandardCharsets.US_ASCII);
                    NetCalls.setIovec(iovs, f * 2 + p, part.asSlice(0, frames[f][p].length()));
                }
                assertTrue(ring.writev(fd, iovs.address() + 32L * f, 2, 10L * f, 100 + f));
            }
            assertEquals(3, ring.queued());
            Map<Long, Integer> results = new HashMap<>();
            assertEquals(3, ring.submitAndWait((tag, result) -> results.put(tag, result)));
            assertEquals(Map.of(100L, 5, 101L, 5, 102L, 6), results);
            assertEquals(0, ring.queued());
            MemorySegment back = a.allocate(26);
            assertEquals(26, Libc.pread(fd, back, 26, 0));
            byte[] b = back.toArray(JAVA_BYTE);
            assertEquals("abcde", new String(b, 0, 5, StandardCharsets.US_ASCII));
            assertEquals("fghij", new String(b, 10, 5, StandardCharsets.US_ASCII));
            assertEquals("klmnop", new String(b, 20, 6, StandardCharsets.US_ASCII));
            assertEquals(0, ring.submitAndWait((tag, result) -> fail("nothing was queued")));
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void aFullRingRefusesMoreAndAFailedWriteReportsItsErrno() {
        try (Arena a = Arena.ofConfined(); IoUring ring = ringOrSkip(2)) {
            MemorySegment iov = a.allocate(16, 8);
            NetCalls.setIovec(iov, 0, a.allocate(4));
            assertTrue(ring.writev(-1, iov.address(), 1, 0, 1));
            assertTrue(ring.writev(-1, iov.address(), 1, 0, 2));
            assertFalse(ring.writev(-1, iov.address(), 1, 0, 3), "two entries, both taken");
            Map<Long, Integer> results = new HashMap<>();
            ring.submitAndWait((tag, result) -> results.put(tag, result));
            assertEquals(Map.of(1L, -9, 2L, -9), results, "EBADF for each, the ring stays usable");
            assertTrue(ring.writev(-1, iov.address(), 1, 0, 4));
        }
    }
}
