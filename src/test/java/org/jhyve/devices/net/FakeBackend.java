package org.jhyve.devices.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A back end made of two queues: frames the device sent, frames waiting for the device. No
 * thread: {@link #deliver} calls the device's handler on the test's thread, as the tap's
 * receive thread would. With a vnet header length, frames carry that header in both directions
 * and offloads are accepted (recorded in {@link #offloads}), as a tap with IFF_VNET_HDR.
 */
public final class FakeBackend implements NetBackend {
    public final List<byte[]> sent = new ArrayList<>();
    public final ArrayDeque<byte[]> incoming = new ArrayDeque<>();
    public final List<Integer> offloads = new ArrayList<>();
    public int resumes;
    public boolean closed;
    private final int vnetLength;
    private RxHandler handler;

    public FakeBackend() { this(0); }

    public FakeBackend(int vnetHeaderLength) { this.vnetLength = vnetHeaderLength; }

    @Override public String name() { return "fake0"; }

    @Override public int vnetHeaderLength() { return vnetLength; }

    @Override
    public synchronized boolean setOffloads(int tunOffloads) {
        if (vnetLength == 0) return tunOffloads == 0;
        offloads.add(tunOffloads);
        return true;
    }

    @Override
    public synchronized boolean send(MemorySegment... parts) {
        long len = 0;
        for (MemorySegment p : parts) len += p.byteSize();
        byte[] f = new byte[(int) len];
        int off = 0;
        for (MemorySegment p : parts) {
            MemorySegment.copy(p, ValueLayout.JAVA_BYTE, 0, f, off, (int) p.byteSize());
            off += (int) p.byteSize();
        }
        sent.add(f);
        return true;
    }

    /** Like a tap: the frame's whole length even when the parts were too small (the rest is lost). */
    @Override
    public synchronized int receive(MemorySegment... parts) {
        byte[] f = incoming.poll();
        if (f == null) return 0;
        int off = 0;
        for (MemorySegment p : parts) {
            int n = (int) Math.min(p.byteSize(), f.length - off);
            MemorySegment.copy(f, off, p, ValueLayout.JAVA_BYTE, 0, n);
            off += n;
            if (off == f.length) break;
        }
        return f.length;
    }

    /**
     * When set, {@link #txBatch} defers: frames added are only read (from guest memory, then)
     * and recorded by finish(), which first runs this hook, as io_uring sends them late.
     */
    public Runnable onBatchFinish;

    @Override
    public TxBatch txBatch() {
        if (onBatchFinish == null) return NetBackend.super.txBatch();
        return new TxBatch() {
            private final List<MemorySegment[]> added = new ArrayList<>();

            @Override public void add(MemorySegment[] parts, int count) {
                added.add(java.util.Arrays.copyOf(parts, count));
            }

            @Override public int finish() {
                onBatchFinish.run();
                for (MemorySegment[] f : added) send(f);
                int n = added.size();
                added.clear();
                return n;
            }
        };
    }

    @Override public void start(RxHandler h) { handler = h; }

    @Override public synchronized void resume() { resumes++; }

    @Override public void close() { closed = true; }

    /** Queues frames and runs the device's handler once; returns what drain() said. */
    public boolean deliver(byte[]... frames) {
        synchronized (this) {
            for (byte[] f : frames) incoming.add(f);
        }
        return handler.drain();
    }
}
