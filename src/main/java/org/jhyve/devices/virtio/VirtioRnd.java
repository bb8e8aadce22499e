package org.jhyve.devices.virtio;

import org.jhyve.devices.DeviceContext;
import org.jhyve.sys.FileIo;

import java.lang.foreign.MemorySegment;

/**
 * virtio-rnd, the entropy device (virtio 1.2 §5.4): each writable buffer the driver offers is
 * filled from the host's getrandom(2). One queue, no features, no configuration.
 */
public final class VirtioRnd extends VirtioDevice {
    public static final int RING_SIZE = 64;
    /** Bytes per request at most, so one greedy driver cannot keep the device thread busy. */
    static final long MAX_PER_REQUEST = 64 * 1024;

    public static VirtioPci create(DeviceContext ctx) { return new VirtioPci(new VirtioRnd(), ctx); }

    @Override public int type() { return TYPE_ENTROPY; }

    @Override public String name() { return "virtio-rnd"; }

    @Override public int[] queueSizes() { return new int[] {RING_SIZE}; }

    @Override public long features() { return 0; }

    @Override public byte[] configSpace() { return new byte[0]; }

    @Override public int pciClass() { return 0x00FF00; }

    @Override
    protected void queueNotify(int q) {
        Virtqueue vq = transport.queue(q);
        Chain c;
        boolean any = false;
        while ((c = vq.pop()) != null) {
            ChainWriter w = c.writer();
            long filled = 0;
            for (MemorySegment s : w.slices(MAX_PER_REQUEST)) {
                long n = FileIo.getrandom(s);
                if (n < 0) throw new IllegalStateException("getrandom failed with errno " + -n);
                filled += n;
                if (n < s.byteSize()) break;
            }
            vq.push(c.head(), filled);
            any = true;
        }
        if (any) transport.interruptIfNeeded(q);
    }
}
