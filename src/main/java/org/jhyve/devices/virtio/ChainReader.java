package org.jhyve.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Reads a chain's device-readable bytes in order, across buffer boundaries. */
public final class ChainReader {
    private final List<Chain.Buffer> buffers;
    private int index;
    private long offset;
    private long remaining;

    ChainReader(Chain c) {
        List<Chain.Buffer> r = new ArrayList<>();
        for (Chain.Buffer b : c.buffers()) if (!b.writable()) r.add(b);
        this.buffers = r;
        this.remaining = c.readable();
    }

    public long remaining() { return remaining; }

    /** Copies exactly dst.length bytes, or throws VirtioException when the chain has fewer. */
    public byte[] read(byte[] dst) {
        if (dst.length > remaining) {
            throw new VirtioException("request needs " + dst.length + " readable bytes, chain has " + remaining);
        }
        int done = 0;
        while (done < dst.length) {
            Chain.Buffer b = buffers.get(index);
            int n = (int) Math.min(dst.length - done, b.length() - offset);
            MemorySegment.copy(b.host(), ValueLayout.JAVA_BYTE, offset, dst, done, n);
            advance(n);
            done += n;
        }
        return dst;
    }

    public byte[] read(int n) { return read(new byte[n]); }

    /** The next up to max bytes as host views of guest memory (zero-copy), consuming them. */
    public List<MemorySegment> slices(long max) {
        List<MemorySegment> out = new ArrayList<>();
        long want = Math.min(max, remaining);
        while (want > 0) {
            Chain.Buffer b = buffers.get(index);
            long n = Math.min(want, b.length() - offset);
            out.add(b.host().asSlice(offset, n));
            advance(n);
            want -= n;
        }
        return out;
    }

    private void advance(long n) {
        offset += n;
        remaining -= n;
        while (index < buffers.size() && offset == buffers.get(index).length()) {
            index++;
            offset = 0;
        }
    }
}
