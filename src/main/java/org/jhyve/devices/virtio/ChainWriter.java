package org.jhyve.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes into a chain's device-writable buffers in order and counts what was written (the used
 * length). Readable buffers are never touched: a chain without room fails the write.
 */
public final class ChainWriter {
    private final List<Chain.Buffer> buffers;
    private int index;
    private long offset;
    private long remaining;
    private long written;

    ChainWriter(Chain c) {
        List<Chain.Buffer> w = new ArrayList<>();
        for (Chain.Buffer b : c.buffers()) if (b.writable()) w.add(b);
        this.buffers = w;
        this.remaining = c.writable();
    }

    public long remaining() { return remaining; }

    public long written() { return written; }

    /** Writes all of src, or throws VirtioException (writing nothing) when the chain lacks room. */
    public void write(byte[] src, int from, int len) {
        if (len > remaining) {
            throw new VirtioException("reply of " + len + " bytes does not fit the " + remaining + " writable bytes of the chain");
        }
        int done = 0;
        while (done < len) {
            Chain.Buffer b = buffers.get(index);
            int n = (int) Math.min(len - done, b.length() - offset);
            MemorySegment.copy(src, from + done, b.host(), ValueLayout.JAVA_BYTE, offset, n);
            advance(n);
            done += n;
        }
    }

    public void write(byte[] src) { write(src, 0, src.length); }

    /** The next up to max writable bytes as host views, counted as written. */
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

    /** Skips n bytes that were filled in place (e.g. through slices) or are left as they are. */
    public void skip(long n) {
        if (n > remaining) throw new VirtioException("skip of " + n + " beyond the " + remaining + " writable bytes");
        while (n > 0) {
            long step = Math.min(n, buffers.get(index).length() - offset);
            advance(step);
            n -= step;
        }
    }

    /** The last writable byte (where virtio-blk puts its status), as a host view. */
    public MemorySegment lastByte() {
        if (buffers.isEmpty()) throw new VirtioException("chain has no writable buffer");
        Chain.Buffer b = buffers.getLast();
        return b.host().asSlice(b.length() - 1, 1);
    }

    private void advance(long n) {
        offset += n;
        remaining -= n;
        written += n;
        while (index < buffers.size() && offset == buffers.get(index).length()) {
            index++;
            offset = 0;
        }
    }
}
