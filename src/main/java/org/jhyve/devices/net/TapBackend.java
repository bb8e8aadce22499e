package org.jhyve.devices.net;

import org.jhyve.config.ConfigException;
import org.jhyve.sys.Epoll;
import org.jhyve.sys.IoUring;
import org.jhyve.sys.Libc;
import org.jhyve.sys.NetCalls;
import org.jhyve.sys.NetIf;
import org.jhyve.sys.SysException;
import org.jhyve.sys.Tun;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A Linux tap as a network back end: /dev/net/tun attached with IFF_TAP | IFF_NO_PI (and
 * IFF_VNET_HDR when the front end wants offloads). An existing tap is used as it is; a missing
 * one is created when the process may (CAP_NET_ADMIN) and then disappears when jhyve exits. The
 * interface is brought up on open, like FreeBSD's net.link.tap.up_on_open. The descriptor is
 * non-blocking: one receive thread ("net NAME") waits in epoll for the tap and for a wake-up
 * eventfd (resume / close), and while frames stream in fast it waits a little before it sleeps
 * on the tap again ({@link RxCoalescing}); sends come straight from the device threads.
 */
public final class TapBackend implements NetBackend {
    /** Looked up per message, not at class load: the first lookup loads the logging back end. */
    private static System.Logger log() { return System.getLogger("org.jhyve.devices.net"); }
    private static final long TAP_TOKEN = 1, WAKE_TOKEN = 2;
    private static final int MAX_IOV = 64, PR_SET_TIMERSLACK = 29;
    private static final boolean URING = !"false".equals(System.getProperty("jhyve.net.uring"));
    /** Receive coalescing ({@link RxCoalescing}); the properties are for measurements, 0 ns turns it off. */
    private static final long COALESCE_RATE = Long.getLong("jhyve.net.coalesce.rate", RxCoalescing.DEFAULT_RATE),
            COALESCE_NS = Long.getLong("jhyve.net.coalesce.ns", RxCoalescing.DEFAULT_DELAY_NS);
    private static final ThreadLocal<MemorySegment> IOV =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate((long) NetCalls.IOVEC_SIZE * MAX_IOV, 8));

    private final String name;
    private final int fd;
    private final int vnetLength;
    private final boolean created;
    private final int wakeFd;
    private final Epoll epoll;
    private final Set<Integer> loggedErrors = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private Thread rxThread;
    /** Frames read from the tap (by the receive thread, or by a device thread draining after a stall). */
    private final AtomicLong framesIn = new AtomicLong();
    private TxBatch batch;   // made on first use, on the thread that transmits

    private TapBackend(String name, int fd, int vnetLength, boolean created) {
        this.name = name;
        this.fd = fd;
        this.vnetLength = vnetLength;
        this.created = created;
        int wake = -1;
        Epoll ep = null;
        try {
            wake = Libc.eventfd(0, Libc.EFD_NONBLOCK);
            ep = new Epoll();
            ep.add(fd, Epoll.EPOLLIN, TAP_TOKEN);
            ep.add(wake, Epoll.EPOLLIN, WAKE_TOKEN);
        } catch (RuntimeException e) {
            if (ep != null) ep.close();
            if (wake >= 0) Libc.close(wake);
            throw e;
        }
        this.wakeFd = wake;
        this.epoll = ep;
    }

    /**
     * Attaches to the tap called name, creating it when missing (and permitted), and brings it
     * up. vnetHeaderLength 0 gives plain frames, 10 or 12 a virtio_net_hdr in front of each.
     * Failures are ConfigExceptions that say what to do: missing /dev/net/tun, a busy tap, a name
     * that is not a tap, no permission to create or use it.
     */
    public static TapBackend open(String name, int vnetHeaderLength) {
        if (vnetHeaderLength != 0 && vnetHeaderLength != VnetHeader.LENGTH && vnetHeaderLength != VnetHeader.MRG_LENGTH) {
            throw new IllegalArgumentException("vnet header length " + vnetHeaderLength + " (0, 10 or 12)");
        }
        if (!Files.exists(Path.of(Tun.DEVICE))) {
            throw new ConfigException(name + ": " + Tun.DEVICE + " is missing (load the tun module: modprobe tun)");
        }
        boolean existed = NetIf.exists(name);
        int flags = Tun.IFF_TAP | Tun.IFF_NO_PI | (vnetHeaderLength != 0 ? Tun.IFF_VNET_HDR : 0);
        Tun.Handle h;
        try {
            h = Tun.attach(name, flags, true);
        } catch (SysException e) {
            throw new ConfigException(explain(name, existed, e), e);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("tap: " + e.getMessage(), e);
        }
        try {
            if (vnetHeaderLength != 0) Tun.setVnetHeaderSize(h.fd(), vnetHeaderLength);
            TapBackend t = new TapBackend(h.name(), h.fd(), vnetHeaderLength, !existed);
            bringUp(h.name());
            return t;
        } catch (RuntimeException e) {
            Libc.close(h.fd());
            throw e;
        }
    }

    static String explain(String name, boolean existed, SysException e) {
        return switch (e.errno) {
            case Libc.ENOENT -> name + ": " + Tun.DEVICE + " is missing (load the tun module: modprobe tun)";
            case 16 /* EBUSY */ -> name + " is busy: another process (another guest?) has this tap open";
            case Libc.EINVAL -> name + " exists but is not a tap interface";
            case 1 /* EPERM */, 13 /* EACCES */ -> existed
                    ? "not permitted to use " + name + ": it belongs to another user (create it for yours: "
                      + "ip tuntap add " + name + " mode tap user $USER)"
                    : name + " does not exist and creating it needs CAP_NET_ADMIN (create it first: "
                      + "ip tuntap add " + name + " mode tap user $USER, or jhyve-net tap " + name + ")";
            default -> "cannot open tap " + name + ": " + e.getMessage();
        };
    }

    /** IFF_UP as up_on_open does; a user without CAP_NET_ADMIN gets a warning, not a failure. */
    private static void bringUp(String name) {
        try {
            NetIf.up(name);
        } catch (SysException e) {
            log().log(System.Logger.Level.WARNING, "{0} is down and cannot be brought up ({1}): run ip link set {0} up",
                    name, e.getMessage());
        }
    }

    @Override public String name() { return name; }

    @Override public int vnetHeaderLength() { return vnetLength; }

    /** Whether jhyve created the interface (it then goes away with the process). */
    public boolean created() { return created; }

    @Override
    public boolean setOffloads(int tunOffloads) {
        if (vnetLength == 0) return tunOffloads == 0;
        try {
            Tun.setOffload(fd, tunOffloads);
            return true;
        } catch (SysException e) {
            logOnce(e.errno, "TUNSETOFFLOAD 0x" + Integer.toHexString(tunOffloads) + " refused: " + e.getMessage());
            return false;
        }
    }

    @Override
    public boolean send(MemorySegment... parts) { return send(parts, parts.length); }

    @Override
    public boolean send(MemorySegment[] parts, int count) {
        if (closed) return false;
        long n = vectored(parts, count, true);
        if (n >= 0) return true;
        // EIO: the interface is down; EAGAIN/ENOBUFS: its queue is full. The frame is lost, as on a wire.
        logOnce((int) -n, "send on " + name + " failed: " + Libc.strerror((int) -n));
        return false;
    }

    /**
     * Transmit batching through io_uring: up to {@link UringBatch#FRAMES} writev requests handed to
     * the kernel by one io_uring_enter, which also waits for them (a tap write completes at once).
     * A system call per frame is what a VMM's transmit path mostly pays here: a C loop of writev
     * on this tap reached 180 kpps on one core, the same frames in batches of 32 through io_uring
     * 346 kpps, partly because the receiving socket's reader is then woken once per batch, not
     * every frame or two. Where io_uring is refused (kernel.io_uring_disabled, a container's
     * seccomp filter, ENOSYS) frames go one writev each; -Djhyve.net.uring=false does that too.
     */
    @Override
    public synchronized TxBatch txBatch() {
        if (batch == null) {
            IoUring ring = null;
            if (URING) {
                try {
                    ring = IoUring.create(UringBatch.FRAMES);
                } catch (SysException e) {
                    log().log(System.Logger.Level.INFO, "{0}: io_uring is not available ({1}): frames are sent one"
                            + " writev each", name, e.getMessage());
                }
            }
            batch = ring != null ? new UringBatch(ring) : NetBackend.super.txBatch();
        }
        return batch;
    }

    /**
     * A batch of writev requests on the tap, in one io_uring. PARTS iovecs per frame cover a
     * Linux guest's largest (a TSO frame: the header, then up to MAX_SKB_FRAGS = 17 fragments
     * and the linear part); a frame in more pieces is sent alone, after what was queued.
     */
    private final class UringBatch implements TxBatch, IoUring.Completion {
        static final int FRAMES = 64, PARTS = 24;
        final IoUring ring;
        final MemorySegment iovs = Arena.ofAuto().allocate((long) FRAMES * PARTS * NetCalls.IOVEC_SIZE, 8);
        int sent;
        boolean ringClosed;

        UringBatch(IoUring ring) { this.ring = ring; }

        @Override
        public synchronized void add(MemorySegment[] parts, int count) {
            if (count < 0 || count > parts.length) throw new IllegalArgumentException(count + " parts of an array of " + parts.length);
            if (ringClosed) return;   // the back end is closing: the frame is lost, as on a wire
            if (count > PARTS) {   // rare: what is queued first, then this one alone
                submit();
                if (send(parts, count)) sent++;
                return;
            }
            int frame = ring.queued();
            for (int i = 0; i < count; i++) {
                if (!parts[i].isNative()) throw new IllegalArgumentException("network buffers must be native memory");
                NetCalls.setIovec(iovs, frame * PARTS + i, parts[i]);
            }
            ring.writev(fd, iovs.address() + (long) frame * PARTS * NetCalls.IOVEC_SIZE, count, 0, frame);
            if (ring.queued() == FRAMES) submit();
        }

        private void submit() {
            if (ring.queued() > 0) ring.submitAndWait(this);
        }

        @Override
        public void done(long tag, int result) {
            if (result >= 0) sent++;
            else logOnce(-result, "send on " + name + " failed: " + Libc.strerror(-result));
        }

        @Override
        public synchronized int finish() {
            if (!ringClosed) submit();
            int n = sent;
            sent = 0;
            return n;
        }

        /** After this no request is queued or submitted: the rings can go. */
        synchronized void closeRing() {
            if (ringClosed) return;
            ringClosed = true;
            ring.close();
        }
    }

    @Override
    public int receive(MemorySegment... parts) { return receive(parts, parts.length); }

    @Override
    public int receive(MemorySegment[] parts, int count) {
        if (closed) return 0;
        long n = vectored(parts, count, false);
        if (n > 0) framesIn.incrementAndGet();
        if (n >= 0) return (int) n;
        if (n != -Libc.EAGAIN && n != -Libc.EINTR) logOnce((int) -n, "receive on " + name + " failed: " + Libc.strerror((int) -n));
        return 0;
    }

    private long vectored(MemorySegment[] parts, int count, boolean write) {
        if (count < 0 || count > parts.length) {
            throw new IllegalArgumentException(count + " parts of an array of " + parts.length);
        }
        if (count <= MAX_IOV) return vectored(IOV.get(), parts, count, write);
        try (Arena a = Arena.ofConfined()) {
            return vectored(a.allocate((long) NetCalls.IOVEC_SIZE * count, 8), parts, count, write);
        }
    }

    private long vectored(MemorySegment iov, MemorySegment[] parts, int count, boolean write) {
        for (int i = 0; i < count; i++) {
            if (!parts[i].isNative()) throw new IllegalArgumentException("network buffers must be native memory");
            NetCalls.setIovec(iov, i, parts[i]);
        }
        return write ? NetCalls.writev(fd, iov, count) : NetCalls.readv(fd, iov, count);
    }

    private void logOnce(int errno, String message) {
        if (loggedErrors.add(errno)) log().log(System.Logger.Level.WARNING, message + " (reported once)");
    }

    @Override
    public synchronized void start(RxHandler handler) {
        if (rxThread != null) throw new IllegalStateException(name + ": receive thread already started");
        if (closed) throw new IllegalStateException(name + " is closed");
        RxCoalescing coalescing = new RxCoalescing(COALESCE_RATE, COALESCE_NS, System.nanoTime(), framesIn.get());
        rxThread = Thread.ofPlatform().name("net " + name).daemon().unstarted(() -> rxLoop(handler, coalescing));
        rxThread.start();
    }

    private void rxLoop(RxHandler handler, RxCoalescing coalescing) {
        boolean armed = true;
        try {
            // the coalescing wait is short: its timer should fire when asked, not up to 50 us later
            Libc.prctl(PR_SET_TIMERSLACK, 1000);
        } catch (SysException e) {
            log().log(System.Logger.Level.DEBUG, name + ": timer slack left as it was: " + e.getMessage());
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment counter = a.allocate(JAVA_LONG);
            while (!closed) {
                Epoll.Event[] events = epoll.await(4, -1);
                for (Epoll.Event e : events) {
                    if (e.token() == WAKE_TOKEN) Libc.read(wakeFd, counter, 8);
                }
                if (closed) break;
                boolean dry;
                try {
                    dry = handler.drain();
                } catch (RuntimeException | Error e) {
                    // a front end bug must not end reception for good: report it and go on
                    log().log(System.Logger.Level.ERROR, name + ": receive handler failed", e);
                    dry = true;
                }
                if (dry != armed) {
                    epoll.modify(fd, dry ? Epoll.EPOLLIN : 0, TAP_TOKEN);
                    armed = dry;
                }
                long wait = coalescing.afterDrain(System.nanoTime(), framesIn.get(), dry);
                if (wait > 0) LockSupport.parkNanos(wait);   // close() at worst waits this long for the thread
            }
        } catch (SysException e) {
            if (!closed) log().log(System.Logger.Level.ERROR, name + ": receive thread stopped: " + e.getMessage());
        }
    }

    @Override
    public void resume() {
        if (!closed) wake();   // after close the eventfd's number may belong to something else
    }

    private void wake() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1);
            Libc.write(wakeFd, one, 8);
        }
    }

    @Override
    public void close() {
        Thread t;
        TxBatch b;
        synchronized (this) {
            if (closed) return;
            closed = true;
            t = rxThread;
            b = batch;
        }
        wake();
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        epoll.close();
        Libc.close(wakeFd);
        if (b instanceof UringBatch u) u.closeRing();   // waits for a batch being submitted
        Libc.close(fd);
    }
}
