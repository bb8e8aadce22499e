package org.jhyve.sys;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FFM system layer against the real kernel (no KVM needed). */
class LibcTest {
    @Test
    void failedCallNamesTheCallAndTheErrno() {
        SysException e = assertThrows(SysException.class, () -> Libc.open("/nonexistent/jhyve", Libc.O_RDONLY, 0));
        assertEquals(Libc.ENOENT, e.errno);
        assertTrue(e.getMessage().contains("open /nonexistent/jhyve"), e.getMessage());
        assertTrue(e.getMessage().contains("No such file"), e.getMessage());
    }

    @Test
    void eventfdWakesEpollWithItsToken() {
        int efd = Libc.eventfd(0, Libc.EFD_NONBLOCK);
        try (Epoll ep = new Epoll(); Arena a = Arena.ofConfined()) {
            ep.add(efd, Epoll.EPOLLIN, 0x1234_5678_9abcL);
            assertEquals(0, ep.await(4, 0).length);
            MemorySegment v = a.allocate(JAVA_LONG);
            v.set(JAVA_LONG, 0, 3);
            assertEquals(8, Libc.write(efd, v, 8));
            Epoll.Event[] evs = ep.await(4, 1000);
            assertEquals(1, evs.length);
            assertEquals(0x1234_5678_9abcL, evs[0].token());
            assertEquals(Epoll.EPOLLIN, evs[0].events() & Epoll.EPOLLIN);
            assertEquals(8, Libc.read(efd, v, 8));
            assertEquals(3, v.get(JAVA_LONG, 0));
            assertEquals(-Libc.EAGAIN, Libc.read(efd, v, 8));
        } finally {
            Libc.close(efd);
        }
    }

    @Test
    void memfdMapsSharedMemory() {
        int fd = Libc.memfdCreate("jhyve-test");
        try {
            Libc.ftruncate(fd, 8192);
            MemorySegment m1 = Libc.mmap(8192, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0, "t1");
            MemorySegment m2 = Libc.mmap(8192, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0, "t2");
            m1.set(JAVA_LONG, 4096, 42);
            assertEquals(42, m2.get(JAVA_LONG, 4096));
            Libc.munmap(m1);
            Libc.munmap(m2);
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void theSixthArgumentReachesTheKernel() {
        // mmap's offset is the system call's 6th argument: the stub takes it from the stack.
        int fd = Libc.memfdCreate("jhyve-test-a6");
        try {
            Libc.ftruncate(fd, 8192);
            MemorySegment whole = Libc.mmap(8192, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0, "whole");
            whole.set(JAVA_LONG, 4096, 0x5EC0_4D5EL);
            MemorySegment second = Libc.mmap(4096, Libc.PROT_READ, Libc.MAP_SHARED, fd, 4096, "second page");
            assertEquals(0x5EC0_4D5EL, second.get(JAVA_LONG, 0));
            Libc.munmap(second);
            Libc.munmap(whole);
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void aRawCallReturnsMinusErrno() {
        assertEquals(-Libc.EBADF, Libc.syscall(Libc.SYS_CLOSE, -1, 0, 0, 0, 0, 0));
        assertEquals(Libc.getpid(), ProcessHandle.current().pid());
    }

    @Test
    void sigsetHasTheRightBits() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = Libc.sigset(a, Libc.SIGUSR1, 64);
            assertEquals((1L << 9) | (1L << 63), s.get(JAVA_LONG, 0));
            assertArrayEquals(new long[15], s.asSlice(8).toArray(JAVA_LONG));
        }
    }
}
