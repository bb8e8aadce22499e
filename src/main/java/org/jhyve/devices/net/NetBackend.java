package org.jhyve.devices.net;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A network back end as the NIC front ends (e1000, virtio-net) see it: frames go out with
 * {@link #send} from device threads (vCPU or device worker), and come in on the back end's own
 * receive thread, which calls the front end's {@link RxHandler} whenever frames may be waiting;
 * the front end then pulls them with {@link #receive} straight into its buffers.
 *
 * <p>Back pressure: a front end without room returns false from {@link RxHandler#drain}; the
 * back end then stops watching for frames (they queue in the host, which drops them when its
 * own queue is full) until the front end calls {@link #resume}. Memory use stays bounded
 * whatever the guest does.
 *
 * <p>Frames carry a virtio_net_hdr of {@link #vnetHeaderLength} bytes in front when the back end
 * was opened with one (virtio-net's offloads); 0 means plain Ethernet frames.
 */
public interface NetBackend extends AutoCloseable {
    /** Largest frame a back end hands over, vnet header included: buffers of this size never truncate. */
    int MAX_FRAME = 65536 + 14 + 4 + VnetHeader.MAX_LENGTH;

    /** Called on the back end's receive thread when frames may be waiting. */
    @FunctionalInterface
    interface RxHandler {
        /**
         * Pulls frames with {@link NetBackend#receive} until it returns 0 (then returns true) or
         * the front end has no room left (then returns false and calls {@link NetBackend#resume}
         * once it has room again). Must not throw.
         */
        boolean drain();
    }

    /** The host-side name, e.g. "tap0". */
    String name();

    /** Bytes of virtio_net_hdr in front of every frame in both directions (0, 10 or 12). */
    int vnetHeaderLength();

    /**
     * Which TUN_F_* offloads the host may use in frames it gives us (checksum left partial, TSO,
     * UFO). Only with a vnet header; returns false where the back end cannot.
     */
    boolean setOffloads(int tunOffloads);

    /**
     * Sends one frame gathered from parts (vnet header first when there is one). Returns false
     * when the host dropped it (queue full, interface down); never blocks for long.
     */
    boolean send(MemorySegment... parts);

    /**
     * {@link #send(MemorySegment...)} over the first count parts: the NICs reuse one array for
     * every frame instead of allocating one per frame.
     */
    default boolean send(MemorySegment[] parts, int count) {
        return send(count == parts.length ? parts : Arrays.copyOf(parts, count));
    }

    /**
     * Frames sent together where the back end can: one system call for many (a tap with io_uring).
     * The memory of every frame added must stay as it is until {@link #finish} returns, so a front
     * end gives its buffers back to the guest only after that. Used by one thread at a time.
     */
    interface TxBatch {
        /** Adds a frame gathered from the first count parts (vnet header first when there is one). */
        void add(MemorySegment[] parts, int count);

        /** Sends what was added and not sent yet; returns how many frames added since the last finish the host took. */
        int finish();
    }

    /** This back end's batch; the default sends each frame as it is added. */
    default TxBatch txBatch() {
        return new TxBatch() {
            private int sent;

            @Override public void add(MemorySegment[] parts, int count) { if (send(parts, count)) sent++; }

            @Override public int finish() {
                int n = sent;
                sent = 0;
                return n;
            }
        };
    }

    /**
     * Reads the next waiting frame scattered over parts; returns its length, or 0 when none is
     * waiting. A frame longer than the parts together is truncated: give at least MAX_FRAME.
     */
    int receive(MemorySegment... parts);

    /** {@link #receive(MemorySegment...)} into the first count parts (a reused array). */
    default int receive(MemorySegment[] parts, int count) {
        return receive(count == parts.length ? parts : Arrays.copyOf(parts, count));
    }

    /** Starts the receive thread, which calls handler.drain() as frames arrive. Once only. */
    void start(RxHandler handler);

    /** The front end has room again after a drain() that returned false. Any thread. */
    void resume();

    /** Stops the receive thread and releases the host resources. */
    @Override
    void close();
}
