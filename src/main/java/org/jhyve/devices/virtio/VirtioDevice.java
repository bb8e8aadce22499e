package org.jhyve.devices.virtio;

/**
 * A virtio device type (block, entropy, console...) without its transport. The transport
 * ({@link VirtioPci}) owns the queues, feature negotiation, status and interrupts, and calls
 * these methods with its device lock held: never concurrently with each other.
 */
public abstract class VirtioDevice {
    /** Virtio device IDs (virtio 1.2 §5). */
    public static final int TYPE_BLOCK = 2, TYPE_CONSOLE = 3, TYPE_ENTROPY = 4;

    protected VirtioPci transport;

    /** The virtio device ID. */
    public abstract int type();

    /** bhyve's emulation name, for messages and thread names. */
    public abstract String name();

    /** The maximum size of each queue (powers of two); the length is the number of queues. */
    public abstract int[] queueSizes();

    /** Device-specific feature bits offered (the transport adds its own). */
    public abstract long features();

    /** The device configuration space as it is now (read by the guest, little-endian). */
    public abstract byte[] configSpace();

    /** A guest write to the device configuration space; the default ignores it. */
    public void configWrite(int offset, int size, long value) { }

    /** PCI class code (class &lt;&lt; 16 | subclass &lt;&lt; 8 | prog-if). */
    public abstract int pciClass();

    final void attach(VirtioPci t) { this.transport = t; }

    /** The driver set DRIVER_OK: queues are usable. */
    protected void start() { }

    /** The driver notified queue q (or the transport re-checks it). Guest errors throw VirtioException. */
    protected abstract void queueNotify(int q);

    /**
     * Called on the device thread right after {@link #queueNotify} (also when it threw), without
     * the transport's lock: work that may block (a request's I/O) runs here, so vCPUs reading the
     * transport's registers meanwhile do not wait for it. Guest errors throw VirtioException.
     */
    protected void afterNotify(int q) { }

    /** The device is being reset: stop using the queues; wait for requests in flight. */
    protected void stop() { }

    /**
     * Nanoseconds the device thread keeps polling the queues it just served before it sleeps
     * (0: none), asked after every round of work. Worth it where a request costs less than
     * waking the thread: virtio-blk at low queue depth.
     */
    protected long pollNanos() { return 0; }

    /**
     * Whether the device turns the driver's notifications for queue q on and off itself
     * ({@link Virtqueue#disableNotifications}); the device thread then leaves them as they are
     * and does not poll q. For a queue the device only needs to hear about when it ran out of
     * buffers: virtio-net's receive queue.
     */
    protected boolean managesNotifications(int q) { return false; }

    /** Milliseconds between {@link #tick} calls on the device thread; -1 for none. */
    protected int tickMillis() { return -1; }

    /** Periodic work on the device thread (e.g. noticing that a backing file grew). */
    protected void tick() { }

    /** jhyve is exiting: release host resources (files, sockets). */
    protected void close() { }
}
