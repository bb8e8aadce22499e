package org.jhyve.devices.virtio;

import org.jhyve.bus.FastIo;
import org.jhyve.devices.DeviceContext;
import org.jhyve.devices.pci.BarKind;
import org.jhyve.devices.pci.PciConfigSpace;
import org.jhyve.devices.pci.PciDevice;
import org.jhyve.sys.Epoll;
import org.jhyve.sys.EventFd;
import org.jhyve.vm.GuestMemory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The virtio PCI transport for one {@link VirtioDevice}, as a transitional device: the legacy
 * (0.9.5) register block in I/O BAR 0 that bhyve-era guests use, and the virtio 1.x capabilities
 * (common, notify, ISR, device and PCI-cfg windows) in memory BAR 4 that current Linux prefers.
 * Interrupts: MSI-X (table and PBA in BAR 1) by default, a single MSI vector with
 * {@code virtio_msix=false} (-W), INTx when the guest enables neither.
 *
 * <p>Queue notifications land on one eventfd per queue: KVM signals it directly (ioeventfd) or a
 * bus write does; a platform thread per device waits on them with epoll and runs the device
 * there, so vCPU threads never do device work. Whatever the guest does wrong ends in
 * DEVICE_NEEDS_RESET (logged once), never in an exception out of the device thread.
 */
public final class VirtioPci extends PciDevice implements AutoCloseable {
    /** Looked up per message, not at class load: the first lookup loads the logging back end. */
    private static System.Logger log() { return System.getLogger("org.jhyve.devices.virtio"); }

    public static final int VENDOR = 0x1AF4;
    public static final int STATUS_ACKNOWLEDGE = 1, STATUS_DRIVER = 2, STATUS_DRIVER_OK = 4, STATUS_FEATURES_OK = 8,
            STATUS_NEEDS_RESET = 0x40, STATUS_FAILED = 0x80;
    public static final int F_INDIRECT_DESC = 28, F_EVENT_IDX = 29, F_VERSION_1 = 32;
    public static final int NO_VECTOR = 0xFFFF;
    public static final int ISR_QUEUE = 1, ISR_CONFIG = 2;
    /** BAR layout: legacy registers, MSI-X table, modern windows (as QEMU, BAR 4 for the modern ones). */
    public static final int LEGACY_BAR = 0, MSIX_BAR = 1, MODERN_BAR = 4;
    public static final int COMMON_OFFSET = 0x0000, ISR_OFFSET = 0x1000, DEVICE_OFFSET = 0x2000, NOTIFY_OFFSET = 0x3000,
            MODERN_SIZE = 0x4000, NOTIFY_MULTIPLIER = 4, COMMON_SIZE = 0x3C;
    /** Legacy register offsets; device configuration follows at 0x14, or 0x18 while MSI-X is on. */
    public static final int L_HOST_FEATURES = 0x00, L_GUEST_FEATURES = 0x04, L_QUEUE_PFN = 0x08, L_QUEUE_SIZE = 0x0C,
            L_QUEUE_SELECT = 0x0E, L_QUEUE_NOTIFY = 0x10, L_STATUS = 0x12, L_ISR = 0x13, L_CONFIG_VECTOR = 0x14,
            L_QUEUE_VECTOR = 0x16;
    public static final int CAP_VENDOR = 0x09, CAP_MSI = 0x05, CAP_MSIX = 0x11;
    public static final int CFG_COMMON = 1, CFG_NOTIFY = 2, CFG_ISR = 3, CFG_DEVICE = 4, CFG_PCI = 5;

    private final VirtioDevice device;
    private final String node;
    private final GuestMemory memory;
    private final FastIo fast;
    private final Virtqueue[] queues;
    private final EventFd[] kicks;
    /**
     * Polling after work: the property jhyve.virtio.poll.ns (for measurements) or else the
     * device's {@link VirtioDevice#pollNanos}; which queues this round served; their avail index.
     */
    private final long pollOverride;
    private final boolean[] polled;
    private final int[] pollSeen;
    private final MsiVectors vectors;
    private final MsixTable msix;            // null with virtio_msix=false
    private final int msixCap, msiCap, pciCfgCap;
    private final int legacyBarSize;

    /** Guards the transport registers and every call into the device. */
    private final Object lock = new Object();
    private long driverFeatures;
    private int deviceFeatureSelect, driverFeatureSelect, queueSelect;
    private volatile int status;
    private int configGeneration;
    private final AtomicBoolean needsReset = new AtomicBoolean();
    private final AtomicLong failures = new AtomicLong();

    /**
     * Interrupt state, touched by device and I/O threads: its own small lock. Lock order: the PCI
     * function's monitor (held by a vCPU in configuration space), then {@link #lock}, then irq.
     * INTx changes take the function's monitor ({@link PciDevice#setIntx}), so a thread holding
     * {@link #lock} never changes INTx itself: it leaves the change to whoever releases the lock
     * ({@link #intxDirty}, {@link #flushIntx}).
     */
    private final Object irq = new Object();
    private final AtomicBoolean intxDirty = new AtomicBoolean();
    private int isr;
    /** How many resets there were (under irq): completions from before one do not set the ISR. */
    private int resets;
    private int configVector = NO_VECTOR;
    private final int[] queueVectors;
    private boolean msiEnabled;

    private final List<FastIo.Registration> legacyDoorbells = new ArrayList<>();
    private final List<FastIo.Registration> modernDoorbells = new ArrayList<>();

    private final Epoll epoll;
    private final EventFd stop;
    private final Thread worker;
    private volatile boolean closed;

    public VirtioPci(VirtioDevice device, DeviceContext ctx) {
        super(device.name(), PciConfigSpace.type0(VENDOR, transitionalId(device.type()), device.pciClass(), 0));
        if (ctx.memory() == null) throw new IllegalStateException(device.name() + " needs guest memory for its queues");
        this.device = device;
        this.node = ctx.node();
        this.memory = ctx.memory();
        this.fast = ctx.fastIo();
        device.attach(this);
        config.set16(PciConfigSpace.SUBSYS_VENDOR, VENDOR);
        config.set16(PciConfigSpace.SUBSYS_ID, device.type());

        int[] sizes = device.queueSizes();
        queues = new Virtqueue[sizes.length];
        kicks = new EventFd[sizes.length];
        polled = new boolean[sizes.length];
        pollSeen = new int[sizes.length];
        pollOverride = Long.getLong("jhyve.virtio.poll.ns", -1);
        queueVectors = new int[sizes.length];
        Arrays.fill(queueVectors, NO_VECTOR);

        boolean useMsix = ctx.config().getBool("virtio_msix", true);
        legacyBarSize = 0x18 + device.configSpace().length;
        declareBar(LEGACY_BAR, BarKind.IO, false, legacyBarSize);
        if (useMsix) declareBar(MSIX_BAR, BarKind.MEM32, false, MsixTable.BAR_SIZE);
        declareBar(MODERN_BAR, BarKind.MEM64, false, MODERN_SIZE);
        declareIntxPin(1);

        int cfgLen = Math.max(4, device.configSpace().length);
        addVirtioCap(CFG_COMMON, COMMON_OFFSET, COMMON_SIZE, null);
        addVirtioCap(CFG_NOTIFY, NOTIFY_OFFSET, NOTIFY_MULTIPLIER * sizes.length, NOTIFY_MULTIPLIER);
        addVirtioCap(CFG_ISR, ISR_OFFSET, 1, null);
        addVirtioCap(CFG_DEVICE, DEVICE_OFFSET, cfgLen, null);
        pciCfgCap = addVirtioCap(CFG_PCI, 0, 0, 0);
        config.setWritable(pciCfgCap + 4, 1, 0xFF);
        config.setWritable(pciCfgCap + 8, 4, 0xFFFFFFFFL);
        config.setWritable(pciCfgCap + 12, 4, 0xFFFFFFFFL);
        config.setWritable(pciCfgCap + 16, 4, 0xFFFFFFFFL);

        List<AutoCloseable> made = new ArrayList<>();
        try {
            if (useMsix) {
                int n = sizes.length + 1;
                vectors = new MsiVectors(n, ctx.msi(), fast);
                made.add(vectors);
                msix = new MsixTable(n, vectors);
                byte[] body = new byte[10];
                body[0] = (byte) (n - 1);
                body[1] = (byte) ((n - 1) >> 8);
                putInt(body, 2, MSIX_BAR);                             // table at offset 0 of BAR 1
                putInt(body, 6, MsixTable.PBA_OFFSET | MSIX_BAR);
                msixCap = config.addCapability(CAP_MSIX, body);
                config.setWritable(msixCap + 2, 2, 0xC000);            // enable, function mask
                msiCap = 0;
            } else {
                vectors = new MsiVectors(1, ctx.msi(), fast);
                made.add(vectors);
                msix = null;
                byte[] body = new byte[12];
                body[0] = (byte) 0x80;                                 // 64-bit capable, one message
                msiCap = config.addCapability(CAP_MSI, body);
                config.setWritable(msiCap + 2, 2, 0x0071);
                config.setWritable(msiCap + 4, 4, 0xFFFFFFFCL);
                config.setWritable(msiCap + 8, 4, 0xFFFFFFFFL);
                config.setWritable(msiCap + 12, 2, 0xFFFF);
                msixCap = 0;
            }
            for (int i = 0; i < sizes.length; i++) {
                queues[i] = new Virtqueue(memory, i, sizes[i]);
                kicks[i] = new EventFd();
                made.add(kicks[i]);
            }
            epoll = new Epoll();
            made.add(epoll);
            stop = new EventFd();
            made.add(stop);
            for (int i = 0; i < sizes.length; i++) epoll.add(kicks[i].fd(), Epoll.EPOLLIN, i);
            epoll.add(stop.fd(), Epoll.EPOLLIN, -1);
        } catch (RuntimeException e) {
            for (AutoCloseable c : made.reversed()) {
                try { c.close(); } catch (Exception ignored) { }
            }
            throw e;
        }
        worker = Thread.ofPlatform().daemon().name(device.name() + " " + node).unstarted(this::workLoop);
        worker.start();
    }

    /** The transitional PCI device ID of a virtio device type (0x1000 + legacy index). */
    static int transitionalId(int type) {
        return switch (type) {
            case 1 -> 0x1000;
            case VirtioDevice.TYPE_BLOCK -> 0x1001;
            case VirtioDevice.TYPE_CONSOLE -> 0x1003;
            case VirtioDevice.TYPE_ENTROPY -> 0x1005;
            case 8 -> 0x1004;
            case 9 -> 0x1009;
            default -> 0x1040 + type;
        };
    }

    private int addVirtioCap(int type, int offset, int length, Integer multiplier) {
        boolean extra = multiplier != null;
        byte[] body = new byte[extra ? 18 : 14];
        body[0] = (byte) (body.length + 2);   // cap_len counts the id and next bytes
        body[1] = (byte) type;
        body[2] = (byte) (type == CFG_PCI ? 0 : MODERN_BAR);
        putInt(body, 6, offset);
        putInt(body, 10, length);
        if (extra) putInt(body, 14, multiplier);
        return config.addCapability(CAP_VENDOR, body);
    }

    private static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) b[off + i] = (byte) (v >>> 8 * i);
    }

    // ---- what devices use ----

    public GuestMemory memory() { return memory; }

    public Virtqueue queue(int q) { return queues[q]; }

    public int queueCount() { return queues.length; }

    /** Whether the driver accepted feature bit. */
    public boolean negotiated(int bit) {
        synchronized (lock) {
            return (driverFeatures & 1L << bit) != 0;
        }
    }

    /** Returns a chain to the driver and interrupts it if it asked for that. Any thread. */
    public void complete(int q, Chain c, long written) {
        queues[q].push(c.head(), written);
        interruptIfNeeded(q);
    }

    /** Interrupts the driver for queue q when its suppression rules allow. Any thread. */
    public void interruptIfNeeded(int q) {
        int epoch;
        synchronized (irq) { epoch = resets; }   // before the queue's decision: see raise
        if (queues[q].needsInterrupt()) {
            int v;
            synchronized (irq) { v = queueVectors[q]; }
            raise(v, ISR_QUEUE, epoch);
        }
    }

    /** The device configuration changed (e.g. the disk grew): new generation, config interrupt. */
    public void configChanged() {
        synchronized (irq) {
            configGeneration++;
        }
        int v;
        synchronized (irq) { v = configVector; }
        raise(v, ISR_CONFIG, -1);
    }

    /** Asks the device thread to look at queue q again (e.g. a back end has data for the guest). */
    public void kick(int q) { kicks[q].signal(); }

    /**
     * The guest broke the protocol: the device stops using its queues until reset, the driver sees
     * DEVICE_NEEDS_RESET and a configuration interrupt. Logged once per device. Any thread.
     */
    public void fail(String why) {
        if (failures.getAndIncrement() == 0) {
            log().log(System.Logger.Level.WARNING, "{0} ({1}): {2}; device needs reset (further errors are not logged)",
                    device.name(), node, why);
        }
        if (!needsReset.getAndSet(true)) {
            synchronized (irq) { configGeneration++; }
            int v;
            synchronized (irq) { v = configVector; }
            raise(v, ISR_CONFIG, -1);
        }
    }

    /** How many protocol errors the guest made (tests, diagnostics). */
    public long failures() { return failures.get(); }

    public int status() { return status | (needsReset.get() ? STATUS_NEEDS_RESET : 0); }

    /**
     * Raises vector (MSI-X) or sets isrBit. A completion decided on before a reset (epoch is the
     * reset count it saw; -1 for always) must not set the ISR after that reset cleared it, or INTx
     * would stay raised for a queue that no longer exists.
     */
    private void raise(int vector, int isrBit, int epoch) {
        if (msix != null && msix.enabled()) {
            if (vector != NO_VECTOR) msix.fire(vector);
            return;
        }
        boolean viaMsi;
        synchronized (irq) {
            if (epoch >= 0 && epoch != resets) return;
            isr |= isrBit;
            viaMsi = msiEnabled;
        }
        if (viaMsi) vectors.fire(0);
        else syncIntx();
    }

    private int readIsr() {
        int v;
        synchronized (irq) {
            v = isr;
            isr = 0;
        }
        syncIntx();
        return v;
    }

    /**
     * Brings the INTx request in line with the ISR (raised while it is non-zero and MSI is off).
     * The level is computed under the function's monitor, so concurrent callers cannot leave a
     * stale level behind. With {@link #lock} held it only marks the change for {@link #flushIntx}.
     */
    private void syncIntx() {
        if (intxPin() == 0 || !isAttached()) return;
        if (Thread.holdsLock(lock)) {
            intxDirty.set(true);
            return;
        }
        intxDirty.set(false);
        synchronized (this) {
            boolean level;
            synchronized (irq) { level = isr != 0 && !msiEnabled; }
            setIntx(level);
        }
    }

    /** Applies an INTx change left behind by code that held {@link #lock}; call after releasing it. */
    private void flushIntx() {
        if (intxDirty.get()) syncIntx();
    }

    private boolean isAttached() { return bus() >= 0; }

    // ---- the device thread ----

    private void workLoop() {
        long nextTick = System.nanoTime();
        while (!closed) {
            try {
                int every = device.tickMillis();
                Epoll.Event[] events = epoll.await(queues.length + 1, every);
                boolean any = false;
                for (Epoll.Event e : events) {
                    if (e.token() < 0) return;
                    int q = (int) e.token();
                    kicks[q].drain();
                    if (device.managesNotifications(q)) {
                        serve(q);
                        flushIntx();
                        continue;
                    }
                    pollSeen[q] = process(q);
                    flushIntx();
                    polled[q] = any = true;
                }
                long pollNs = pollOverride >= 0 ? pollOverride : device.pollNanos();
                if (any && pollNs > 0) pollAfterWork(pollNs);
                if (every >= 0 && System.nanoTime() - nextTick >= 0) {
                    nextTick = System.nanoTime() + every * 1_000_000L;
                    synchronized (lock) {
                        if (!closed) device.tick();
                    }
                    flushIntx();
                }
            } catch (Throwable t) {
                if (closed) return;
                fail("internal error on the device thread: " + t);
            }
        }
    }

    /**
     * Spins on the avail index of the queues served in this round until none has moved for
     * pollNs; each move is served like a notification. Only moves count, so a queue
     * whose buffers wait for something else (a receive queue without frames) ends the poll too.
     */
    private void pollAfterWork(long pollNs) {
        // Notifications stay off while the thread polls: a driver's kick would only cost its vCPU
        // an exit. pollSeen holds what process() last served up to, not the index now: a buffer
        // added since then came without a notification once they were off, and must count as a move.
        for (int q = 0; q < queues.length; q++) if (polled[q]) queues[q].disableNotifications();
        long deadline = System.nanoTime() + pollNs;
        // A device that needs a reset stops polling: a guest moving avail indexes over garbage
        // would otherwise keep this thread spinning on a device that serves nothing.
        while (!closed && !needsReset.get() && System.nanoTime() - deadline < 0) {
            for (int q = 0; q < queues.length; q++) {
                if (!polled[q]) continue;
                int idx = queues[q].availIdx();
                if (idx != pollSeen[q]) {
                    pollSeen[q] = idx;
                    serve(q);
                    flushIntx();
                    deadline = System.nanoTime() + pollNs;
                }
            }
            Thread.onSpinWait();
        }
        for (int q = 0; q < queues.length; q++) {
            if (!polled[q]) continue;
            int idx = queues[q].enableNotifications();
            if (idx >= 0 && idx != pollSeen[q]) {
                process(q);
                flushIntx();
            }
        }
        java.util.Arrays.fill(polled, false);
    }

    /**
     * Serves queue q with the driver's notifications off ({@link Virtqueue#disableNotifications}).
     * Buffers the driver added meanwhile came without a notification, so if the avail index
     * moved the thread notifies itself: the queue is served again in the next round, after the
     * other queues had theirs (a driver that keeps transmitting must not starve its receive
     * queue). Returns the avail index served up to for certain (-1: the queue is not active).
     */
    private int process(int q) {
        int seen = queues[q].disableNotifications();
        serve(q);
        int now = queues[q].enableNotifications();
        if (now >= 0 && now != seen && !closed) kicks[q].signal();
        return seen;
    }

    private void serve(int q) {
        synchronized (lock) {
            if (closed || needsReset.get() || (status & STATUS_DRIVER_OK) == 0 || !queues[q].active()) return;
            try {
                device.queueNotify(q);
            } catch (VirtioException | GuestMemory.GuestMemoryException e) {
                fail(e.getMessage());
            } catch (RuntimeException e) {
                fail("internal error: " + e);
            }
        }
        try {
            device.afterNotify(q);
        } catch (VirtioException | GuestMemory.GuestMemoryException e) {
            fail(e.getMessage());
        } catch (RuntimeException e) {
            fail("internal error: " + e);
        }
    }

    // ---- status, features, reset ----

    private long offeredFeatures() {
        return device.features() | 1L << F_INDIRECT_DESC | 1L << F_EVENT_IDX | 1L << F_VERSION_1;
    }

    private void writeStatus(int value, boolean modern) {
        value &= 0xFF;
        if (value == 0) {
            reset();
            return;
        }
        int old = status;
        int next = value & ~STATUS_NEEDS_RESET;
        if (modern && (next & STATUS_FEATURES_OK) != 0 && (old & STATUS_FEATURES_OK) == 0
                && (driverFeatures & 1L << F_VERSION_1) == 0) {
            next &= ~STATUS_FEATURES_OK;   // a modern driver must accept VERSION_1
        }
        status = next;
        if ((next & STATUS_DRIVER_OK) != 0 && (old & STATUS_DRIVER_OK) == 0) {
            boolean indirect = (driverFeatures & 1L << F_INDIRECT_DESC) != 0;
            boolean eventIdx = (driverFeatures & 1L << F_EVENT_IDX) != 0;
            for (Virtqueue q : queues) q.setFeatures(indirect, eventIdx);
            device.start();
            for (int q = 0; q < queues.length; q++) if (queues[q].active()) kicks[q].signal();
        }
    }

    /** Device reset (status 0): the device stops, queues and negotiation start over. */
    private void reset() {
        device.stop();
        for (Virtqueue q : queues) q.reset();
        driverFeatures = 0;
        deviceFeatureSelect = driverFeatureSelect = queueSelect = 0;
        status = 0;
        needsReset.set(false);
        synchronized (irq) {
            resets = resets + 1 & Integer.MAX_VALUE;
            isr = 0;
            configVector = NO_VECTOR;
            Arrays.fill(queueVectors, NO_VECTOR);
        }
        syncIntx();
    }

    private void activateQueue(Virtqueue q) {
        try {
            q.setFeatures((driverFeatures & 1L << F_INDIRECT_DESC) != 0, (driverFeatures & 1L << F_EVENT_IDX) != 0);
            q.activate();
        } catch (VirtioException e) {
            fail(e.getMessage());
        }
    }

    private Virtqueue selected() { return queueSelect < queues.length ? queues[queueSelect] : null; }

    private int checkedVector(int v) {
        v &= 0xFFFF;
        return msix != null && v < msix.count() ? v : NO_VECTOR;
    }

    // ---- BAR access ----

    @Override
    protected long barRead(int bar, long offset, int size) {
        long v = switch (bar) {
            case LEGACY_BAR -> legacyRead((int) offset, size);
            case MSIX_BAR -> msix.read(offset, size);
            case MODERN_BAR -> modernRead((int) offset, size);
            default -> -1L;
        };
        flushIntx();
        return v;
    }

    @Override
    protected void barWrite(int bar, long offset, int size, long value) {
        switch (bar) {
            case LEGACY_BAR -> legacyWrite((int) offset, size, value);
            case MSIX_BAR -> msix.write(offset, size, value);
            case MODERN_BAR -> modernWrite((int) offset, size, value);
            default -> { }
        }
        flushIntx();
    }

    private static long bytes(int offset, int size, java.util.function.IntUnaryOperator byteAt) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = v << 8 | (byteAt.applyAsInt(offset + i) & 0xFF);
        return v;
    }

    private static int field(long value, int at, int off) { return (int) (value >>> 8 * (off - at)); }

    private long deviceConfigRead(int offset, int size) {
        byte[] cfg = device.configSpace();
        return bytes(offset, size, i -> i >= 0 && i < cfg.length ? cfg[i] : 0);
    }

    private int legacyConfigStart() { return msix != null && msix.enabled() ? 0x18 : 0x14; }

    private long legacyRead(int offset, int size) {
        // the ISR read drops INTx, which must not happen under the lock (see irq)
        int isrValue = offset <= L_ISR && offset + size > L_ISR ? readIsr() : 0;
        synchronized (lock) {
            int cfg = legacyConfigStart();
            if (offset >= cfg) return deviceConfigRead(offset - cfg, size);
            return bytes(offset, size, i -> i == L_ISR ? isrValue : legacyByte(i));
        }
    }

    private int legacyByte(int off) {
        Virtqueue q = selected();
        if (off < 4) return field(offeredFeatures() & 0xFFFF_FFFFL, 0, off);
        if (off < 8) return field(driverFeatures & 0xFFFF_FFFFL, 4, off);
        if (off < 12) return q == null || !q.active() ? 0 : field(q.descAddr() >>> 12, 8, off);
        if (off < 14) return q == null ? 0 : field(q.maxSize(), 12, off);
        if (off < 16) return field(queueSelect, 14, off);
        if (off < 18) return 0;
        if (off == L_STATUS) return status();
        if (off < 20) return 0;
        synchronized (irq) {
            if (off < 22) return field(configVector, 20, off);
            return q == null ? field(NO_VECTOR, 22, off) : field(queueVectors[queueSelect], 22, off);
        }
    }

    private void legacyWrite(int offset, int size, long value) {
        if (offset == L_QUEUE_NOTIFY && size == 2) {
            notifyWrite((int) value & 0xFFFF);
            return;
        }
        synchronized (lock) {
            int cfg = legacyConfigStart();
            if (offset >= cfg) {
                device.configWrite(offset - cfg, size, value);
                return;
            }
            Virtqueue q = selected();
            switch (offset) {
                case L_GUEST_FEATURES -> {
                    if (size == 4) driverFeatures = value & 0xFFFF_FFFFL & offeredFeatures();
                }
                case L_QUEUE_PFN -> {
                    if (size != 4 || q == null) return;
                    long pfn = value & 0xFFFF_FFFFL;
                    if (pfn == 0) {
                        q.reset();
                    } else {
                        q.setSize(q.maxSize());
                        q.setLegacyPfn(pfn);
                        activateQueue(q);
                    }
                }
                case L_QUEUE_SELECT -> { if (size == 2) queueSelect = (int) value & 0xFFFF; }
                case L_STATUS -> { if (size == 1) writeStatus((int) value, false); }
                case L_CONFIG_VECTOR -> {
                    if (size == 2 && cfg == 0x18) synchronized (irq) { configVector = checkedVector((int) value); }
                }
                case L_QUEUE_VECTOR -> {
                    if (size == 2 && cfg == 0x18 && q != null) synchronized (irq) { queueVectors[queueSelect] = checkedVector((int) value); }
                }
                default -> { }
            }
        }
    }

    private void notifyWrite(int q) {
        if (q < queues.length) kicks[q].signal();
    }

    private long modernRead(int offset, int size) {
        if (offset >= COMMON_OFFSET && offset < COMMON_OFFSET + COMMON_SIZE) {
            synchronized (lock) {
                return bytes(offset - COMMON_OFFSET, size, this::commonByte);
            }
        }
        if (offset == ISR_OFFSET) return readIsr();
        if (offset >= DEVICE_OFFSET && offset < NOTIFY_OFFSET) {
            synchronized (lock) {
                return deviceConfigRead(offset - DEVICE_OFFSET, size);
            }
        }
        return 0;
    }

    private int commonByte(int off) {
        Virtqueue q = selected();
        if (off < 0x04) return field(deviceFeatureSelect, 0x00, off);
        if (off < 0x08) return deviceFeatureSelect > 1 ? 0 : field(offeredFeatures() >>> 32 * deviceFeatureSelect, 0x04, off);
        if (off < 0x0C) return field(driverFeatureSelect, 0x08, off);
        if (off < 0x10) return driverFeatureSelect > 1 ? 0 : field(driverFeatures >>> 32 * driverFeatureSelect, 0x0C, off);
        if (off < 0x12) synchronized (irq) { return field(configVector, 0x10, off); }
        if (off < 0x14) return field(queues.length, 0x12, off);
        if (off == 0x14) return status();
        if (off == 0x15) synchronized (irq) { return configGeneration; }
        if (off < 0x18) return field(queueSelect, 0x16, off);
        if (q == null) return 0;
        if (off < 0x1A) return field(q.size(), 0x18, off);
        if (off < 0x1C) synchronized (irq) { return field(queueVectors[queueSelect], 0x1A, off); }
        if (off < 0x1E) return q.active() ? field(1, 0x1C, off) : 0;
        if (off < 0x20) return field(queueSelect, 0x1E, off);   // queue_notify_off = queue index
        if (off < 0x28) return field(q.descAddr(), 0x20, off);
        if (off < 0x30) return field(q.availAddr(), 0x28, off);
        if (off < 0x38) return field(q.usedAddr(), 0x30, off);
        return 0;   // queue_notify_data, queue_reset: features not offered
    }

    private void modernWrite(int offset, int size, long value) {
        if (offset >= NOTIFY_OFFSET && offset < NOTIFY_OFFSET + NOTIFY_MULTIPLIER * queues.length) {
            notifyWrite((offset - NOTIFY_OFFSET) / NOTIFY_MULTIPLIER);
            return;
        }
        synchronized (lock) {
            if (offset >= DEVICE_OFFSET && offset < NOTIFY_OFFSET) {
                device.configWrite(offset - DEVICE_OFFSET, size, value);
                return;
            }
            if (offset < COMMON_OFFSET || offset >= COMMON_OFFSET + COMMON_SIZE) return;
            commonWrite(offset - COMMON_OFFSET, size, value);
        }
    }

    private void commonWrite(int off, int size, long value) {
        Virtqueue q = selected();
        int v32 = (int) value;
        switch (off) {
            case 0x00 -> deviceFeatureSelect = v32;
            case 0x08 -> driverFeatureSelect = v32;
            case 0x0C -> {
                if ((status & STATUS_FEATURES_OK) != 0 || driverFeatureSelect > 1) return;
                int shift = 32 * driverFeatureSelect;
                long mask = 0xFFFF_FFFFL << shift;
                driverFeatures = driverFeatures & ~mask | ((value & 0xFFFF_FFFFL) << shift) & offeredFeatures();
            }
            case 0x10 -> { synchronized (irq) { configVector = checkedVector(v32); } }
            case 0x14 -> writeStatus(v32, true);
            case 0x16 -> queueSelect = v32 & 0xFFFF;
            case 0x18 -> { if (q != null && !q.active()) q.setSize(v32 & 0xFFFF); }
            case 0x1A -> { if (q != null) synchronized (irq) { queueVectors[queueSelect] = checkedVector(v32); } }
            case 0x1C -> { if (q != null && (v32 & 0xFFFF) == 1 && !q.active()) activateQueue(q); }
            case 0x20, 0x24, 0x28, 0x2C, 0x30, 0x34 -> {
                if (q == null || q.active()) return;
                int which = (off - 0x20) / 8;
                boolean high = (off & 4) != 0 && size == 4;
                long[] a = {q.descAddr(), q.availAddr(), q.usedAddr()};
                if (size == 8) a[which] = value;
                else if (high) a[which] = a[which] & 0xFFFF_FFFFL | (value & 0xFFFF_FFFFL) << 32;
                else a[which] = a[which] & ~0xFFFF_FFFFL | value & 0xFFFF_FFFFL;
                q.setAddresses(a[0], a[1], a[2]);
            }
            default -> { }
        }
    }

    // ---- configuration space: MSI-X / MSI control, the PCI-cfg window ----

    @Override
    protected int configRead(int offset, int size) {
        int data = pciCfgCap + 16;
        if (offset >= data && offset + size <= data + 4) {
            long v = windowAccess(0, false);
            return (int) (v >>> 8 * (offset - data));
        }
        return super.configRead(offset, size);
    }

    @Override
    protected void configWrite(int offset, int size, int value) {
        super.configWrite(offset, size, value);
        if (msixCap != 0 && overlaps(offset, size, msixCap + 2, 2)) {
            int ctrl = config.get16(msixCap + 2);
            msix.setControl((ctrl & 0x8000) != 0, (ctrl & 0x4000) != 0);
            intxUpdate();
        }
        if (msiCap != 0 && overlaps(offset, size, msiCap + 2, 12)) {
            boolean on = (config.get16(msiCap + 2) & 1) != 0;
            long addr = (config.get32(msiCap + 4) & 0xFFFF_FFFFL) | (long) config.get32(msiCap + 8) << 32;
            vectors.route(0, addr, config.get16(msiCap + 12));
            synchronized (irq) { msiEnabled = on; }
            intxUpdate();
        }
        if (overlaps(offset, size, pciCfgCap + 16, 4)) windowAccess(config.get32(pciCfgCap + 16), true);
    }

    private static boolean overlaps(int off, int size, int start, int len) { return off < start + len && start < off + size; }

    /** VIRTIO_PCI_CAP_PCI_CFG: a 1, 2 or 4 byte access to a BAR through configuration space. */
    private long windowAccess(int value, boolean write) {
        int bar = config.get8(pciCfgCap + 4);
        long off = config.get32(pciCfgCap + 8) & 0xFFFF_FFFFL;
        int len = config.get32(pciCfgCap + 12);
        if (len != 1 && len != 2 && len != 4) return 0;
        long limit = switch (bar) {
            case LEGACY_BAR -> legacyBarSize;
            case MODERN_BAR -> MODERN_SIZE;
            case MSIX_BAR -> msix != null ? MsixTable.BAR_SIZE : 0;
            default -> 0;
        };
        if (off + len > limit) return 0;
        if (write) {
            barWrite(bar, off, len, value & (len == 4 ? 0xFFFF_FFFFL : (1L << 8 * len) - 1));
            return 0;
        }
        long v = barRead(bar, off, len);
        if (len < 4) v &= (1L << 8 * len) - 1;
        return v;
    }

    @Override
    protected boolean intxPermitted() {
        if (!super.intxPermitted()) return false;
        if (msix != null && msix.enabled()) return false;
        synchronized (irq) { return !msiEnabled; }
    }

    // ---- doorbells (ioeventfd) follow the BARs ----

    @Override
    protected void barMoved(int bar, long oldBase, long newBase) {
        if (fast == null) return;
        if (bar == LEGACY_BAR) {
            moveDoorbells(legacyDoorbells, newBase, true, L_QUEUE_NOTIFY, 0);
        } else if (bar == MODERN_BAR) {
            moveDoorbells(modernDoorbells, newBase, false, NOTIFY_OFFSET, NOTIFY_MULTIPLIER);
        }
    }

    private void moveDoorbells(List<FastIo.Registration> regs, long base, boolean pio, int offset, int stride) {
        for (FastIo.Registration r : regs) r.close();
        regs.clear();
        if (base < 0 || closed) return;
        for (int q = 0; q < queues.length; q++) {
            regs.add(fast.doorbell(kicks[q].fd(), pio, base + offset + (long) stride * q, 2, q));
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        stop.signal();
        try {
            worker.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            device.stop();
            device.close();
        }
        for (FastIo.Registration r : legacyDoorbells) r.close();
        for (FastIo.Registration r : modernDoorbells) r.close();
        vectors.close();
        for (EventFd k : kicks) k.close();
        stop.close();
        epoll.close();
    }

    @Override
    public String toString() { return device.name() + "@" + node; }
}
