package org.jhyve.devices.net;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The receive coalescing policy on a fake clock: when it waits, and when it must not. */
class RxCoalescingTest {
    static final long US = 1_000, MS = 1_000_000, RATE = 100_000, DELAY = 100 * US;

    /** Drives c with one wake-up every gapNs that found `per` frames, for spanNs; returns the last wait. */
    static long stream(RxCoalescing c, long[] clock, long[] frames, long gapNs, int per, long spanNs) {
        long wait = 0;
        for (long end = clock[0] + spanNs; clock[0] < end; ) {
            clock[0] += gapNs;
            frames[0] += per;
            wait = c.afterDrain(clock[0], frames[0], true);
        }
        return wait;
    }

    @Test
    void requestResponseTrafficIsNeverDelayed() {
        long[] clock = {0}, frames = {0};
        RxCoalescing c = new RxCoalescing(RATE, DELAY, 0, 0);
        // a frame every 30 us is 33 000 a second: the thread must sleep at once after each
        for (int i = 0; i < 1000; i++) {
            clock[0] += 30 * US;
            frames[0]++;
            assertEquals(0, c.afterDrain(clock[0], frames[0], true), "wake-up " + i);
        }
        assertFalse(c.busy());
    }

    @Test
    void aFastStreamIsCoalescedOnceAWindowShowedItsRate() {
        long[] clock = {0}, frames = {0};
        RxCoalescing c = new RxCoalescing(RATE, DELAY, 0, 0);
        // 4 frames every 25 us = 160 000 a second: not yet known in the first window
        clock[0] += 25 * US;
        frames[0] += 4;
        assertEquals(0, c.afterDrain(clock[0], frames[0], true), "no window measured yet");
        assertEquals(DELAY, stream(c, clock, frames, 25 * US, 4, 2 * MS));
        assertTrue(c.busy());
        assertEquals(0, c.afterDrain(clock[0], frames[0], false), "the guest had no room: nothing to wait for");
    }

    @Test
    void theStreamEndingTurnsItOffWithinAWindow() {
        long[] clock = {0}, frames = {0};
        RxCoalescing c = new RxCoalescing(RATE, DELAY, 0, 0);
        assertEquals(DELAY, stream(c, clock, frames, 25 * US, 4, 3 * MS));
        // then ping-like traffic: at most one more window of waits
        stream(c, clock, frames, 50 * US, 1, 2 * MS);
        assertEquals(0, stream(c, clock, frames, 50 * US, 1, 2 * MS));
        assertFalse(c.busy());
    }

    @Test
    void aLongIdleStretchDoesNotOverflowIntoBusy() {
        long[] clock = {0}, frames = {0};
        RxCoalescing c = new RxCoalescing(RATE, DELAY, 0, 0);
        stream(c, clock, frames, 25 * US, 4, 3 * MS);
        assertTrue(c.busy());
        // three days without a frame, then one: rate * span would overflow a long without the cap
        clock[0] += 3L * 24 * 3600 * 1_000_000_000L;
        frames[0] += 1;
        assertEquals(0, c.afterDrain(clock[0], frames[0], true));
        assertFalse(c.busy());
    }

    @Test
    void delayZeroTurnsItOffAndBadSettingsAreRefused() {
        long[] clock = {0}, frames = {0};
        RxCoalescing c = new RxCoalescing(RATE, 0, 0, 0);
        assertEquals(0, stream(c, clock, frames, 25 * US, 4, 3 * MS));
        assertThrows(IllegalArgumentException.class, () -> new RxCoalescing(0, DELAY, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RxCoalescing(RATE, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RxCoalescing(RATE, 2_000_000_000L, 0, 0));
    }
}
