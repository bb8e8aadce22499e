package org.jhyve.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kick signal's handler and our own rt_sigaction restorer: a blocked read returns EINTR, the JVM lives on. */
class KickTest {
    @Test
    void aKickInterruptsABlockingReadWithEintrTwice() throws Exception {
        Kick.install();
        int fd = Libc.eventfd(0, 0);
        try {
            for (int round = 0; round < 2; round++) {
                CompletableFuture<Integer> tid = new CompletableFuture<>();
                CompletableFuture<Long> result = new CompletableFuture<>();
                Thread t = Thread.ofPlatform().start(() -> {
                    try (Arena a = Arena.ofConfined()) {
                        MemorySegment buf = a.allocate(8);
                        tid.complete(Libc.gettid());
                        result.complete(Libc.read(fd, buf, 8));
                    }
                });
                int target = tid.get(5, TimeUnit.SECONDS);
                long r = 0;
                // The reader may not be inside read(2) yet when the first kick lands: kick until it returns.
                for (int i = 0; i < 500 && !result.isDone(); i++) {
                    Kick.send(target);
                    Thread.sleep(10);
                }
                r = result.get(5, TimeUnit.SECONDS);
                t.join();
                assertEquals(-Libc.EINTR, r);
            }
        } finally {
            Libc.close(fd);
        }
    }
}
