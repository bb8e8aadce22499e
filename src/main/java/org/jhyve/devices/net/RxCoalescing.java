package org.jhyve.devices.net;

/**
 * Adaptive receive coalescing for a back end's receive thread, as a NIC's interrupt moderation:
 * while frames arrive faster than {@code rate} a second, the thread waits {@code delayNs} after it
 * emptied its source before it sleeps on it again, so that what arrives meanwhile is taken in one
 * wake-up instead of one or two frames each. Each wake-up costs a context switch pair (and, on a
 * shared core, preempts whoever is sending); measured here at 250 kpps offered, a tap thread
 * without it woke 40 000 times a second for 160 kpps. Below the rate (request/response traffic:
 * a frame every 30 us or more) the thread sleeps at once and no latency is added. The rate is
 * measured over windows of at least {@link #WINDOW_NS}, at the thread's own wake-ups.
 */
final class RxCoalescing {
    static final long DEFAULT_RATE = 100_000, DEFAULT_DELAY_NS = 100_000, WINDOW_NS = 1_000_000;
    private static final long SECOND = 1_000_000_000L;

    private final long rate, delayNs;
    private long windowStart, windowFrames;
    private boolean busy;

    /** Frames a second from which to coalesce, the wait (0: never), the clock and frame count now. */
    RxCoalescing(long rate, long delayNs, long now, long frames) {
        if (rate < 1 || delayNs < 0 || delayNs > SECOND) {
            throw new IllegalArgumentException("receive coalescing rate " + rate + "/s, delay " + delayNs + " ns");
        }
        this.rate = rate;
        this.delayNs = delayNs;
        this.windowStart = now;
        this.windowFrames = frames;
    }

    /**
     * After a drain: {@code frames} read in all so far, {@code dry} whether the source is empty and
     * the thread is about to sleep on it. Returns the nanoseconds to wait first (0: none).
     */
    long afterDrain(long now, long frames, boolean dry) {
        long span = now - windowStart;
        if (span >= WINDOW_NS) {
            // a window that spans an idle stretch is long, so its rate is low; capped, the product cannot overflow
            span = Math.min(span, SECOND);
            busy = (frames - windowFrames) * SECOND >= rate * span;
            windowStart = now;
            windowFrames = frames;
        }
        return busy && dry ? delayNs : 0;
    }

    boolean busy() { return busy; }
}
