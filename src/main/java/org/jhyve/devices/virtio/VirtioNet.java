package org.jhyve.devices.virtio;

import org.jhyve.config.ConfigException;
import org.jhyve.devices.DeviceContext;
import org.jhyve.devices.net.MacAddress;
import org.jhyve.devices.net.NetBackend;
import org.jhyve.devices.net.NetBackends;
import org.jhyve.devices.net.VnetHeader;
import org.jhyve.sys.Tun;
import org.jhyve.vm.GuestMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * virtio-net (virtio 1.2 §5.1) as bhyve offers it: one receive/transmit queue pair of 1024
 * entries, no control queue; MAC, STATUS, MRG_RXBUF and MTU (when {@code mtu} is set), plus the
 * checksum and TSO offloads when the back end carries a virtio_net_hdr (a tap opened with
 * IFF_VNET_HDR): what the guest accepts of GUEST_CSUM/GUEST_TSO4/6 becomes the tap's
 * TUNSETOFFLOAD, and HOST_TSO4/6 frames go to the tap with their header for the kernel to segment.
 *
 * <p>Threads: transmit runs on the transport's device thread (the guest's notification arrives
 * there by ioeventfd); receive runs on the back end's own thread, which scatters each frame with
 * one readv straight into the guest's buffers, and on the device thread when the driver posts
 * buffers after the device ran out. The device keeps its receive state under its own lock, so a
 * reset (stop) never races with a frame being delivered. Per frame little is allocated: a slice
 * or two and the small array of its parts; header scratch is reused.
 *
 * <p>The parts arrays are made per frame on purpose. JDK 25's C2 compiles a store into an array
 * field whose element type is an interface (MemorySegment[]) with a guess about the array's
 * class that never holds: each such store site traps once and the whole method is compiled
 * again. On the receive path that was four C2 compiles of receiveOne while frames were
 * arriving (pinned host→guest 126 → 153 kpps with arrays made where they are filled, whose
 * class C2 then knows; docs/machine-notes.md).
 */
public final class VirtioNet extends VirtioDevice {
    public static final int RING_SIZE = 1024, RXQ = 0, TXQ = 1;
    /** Feature bits (virtio 1.2 §5.1.3). */
    public static final int F_CSUM = 0, F_GUEST_CSUM = 1, F_MTU = 3, F_MAC = 5, F_GUEST_TSO4 = 7, F_GUEST_TSO6 = 8,
            F_HOST_TSO4 = 11, F_HOST_TSO6 = 12, F_MRG_RXBUF = 15, F_STATUS = 16;
    public static final int S_LINK_UP = 1;
    public static final int MIN_MTU = 60, MAX_MTU = 65535, DEFAULT_MTU = 1500;
    /** Ethernet header + VLAN tag + the largest IP packet: what a GSO frame may hold. */
    static final int MAX_GSO_FRAME = 14 + 4 + 65535;
    /** Transmit chains handled per notification before the device thread looks at other work. */
    static final int TX_BATCH = 256;
    /** Frames delivered between receive interrupts during a burst. */
    static final int RX_BATCH = 64;

    private final MacAddress initialMac;
    private final byte[] mac;
    private final int mtu;
    private final boolean mtuSet;
    private final NetBackend backend;
    private final int backendHdr;

    /**
     * Transmit state: device thread only. The tap's header for each frame of a batch (they are
     * all read when the batch is sent), the guest's header gathered when it is split, the heads
     * of the chains in the batch.
     */
    private final MemorySegment[] txHeaders = new MemorySegment[TX_BATCH];
    private final MemorySegment txGuestHeader;
    private final int[] txHeads = new int[TX_BATCH];

    /** Receive state, on the back end's thread; stop() takes the same lock. */
    private final Object rxLock = new Object();
    private final MemorySegment rxHeader, rxHeaderSlice, rxGuestHeader;
    private final List<Chain> held = new ArrayList<>();
    private long heldBytes;
    private boolean running;
    /**
     * The device ran out of receive buffers and the back end waits. Volatile so the driver's
     * frequent receive notifications look at it without taking rxLock from the receive thread.
     */
    private volatile boolean rxStalled;
    /** What the driver negotiated, copied at DRIVER_OK: the receive thread must not take the transport's lock. */
    private boolean merge, guestCsum, guestTso;
    private int guestHdr = VnetHeader.LENGTH;
    private long rxNeed;

    private final AtomicLong rxFrames = new AtomicLong(), rxDropped = new AtomicLong(), txFrames = new AtomicLong(),
            txDropped = new AtomicLong();

    /** A device on backend (null: no cable, link down) with mac and mtu (null: not announced). */
    public VirtioNet(NetBackend backend, MacAddress mac, Integer mtu) {
        if (mtu != null && (mtu < MIN_MTU || mtu > MAX_MTU)) {
            throw new ConfigException("virtio-net: mtu " + mtu + " is outside " + MIN_MTU + ".." + MAX_MTU);
        }
        this.backend = backend;
        this.initialMac = mac;
        this.mac = mac.bytes();
        this.mtuSet = mtu != null;
        this.mtu = mtu != null ? mtu : DEFAULT_MTU;
        this.backendHdr = backend == null ? 0 : backend.vnetHeaderLength();
        Arena arena = Arena.ofAuto();
        MemorySegment headers = arena.allocate(16L * TX_BATCH, 8);
        for (int i = 0; i < TX_BATCH; i++) txHeaders[i] = headers.asSlice(16L * i, backendHdr);
        this.rxHeader = arena.allocate(VnetHeader.MAX_LENGTH, 8);
        this.rxHeaderSlice = rxHeader.asSlice(0, backendHdr);
        this.txGuestHeader = arena.allocate(VnetHeader.MAX_LENGTH, 8);
        this.rxGuestHeader = arena.allocate(VnetHeader.MAX_LENGTH, 8);
    }

    /**
     * The factory for {@code -s S[:F],virtio-net[,backend][,mac=xx:xx:xx:xx:xx:xx][,mtu=N]}: MAC
     * from mac= or bhyve's rule; a tap is opened with a 12-byte vnet header for the offloads.
     */
    public static VirtioPci create(DeviceContext ctx) {
        String[] parts = ctx.node().split("\\.");
        if (parts.length != 4) throw new IllegalArgumentException("virtio-net node " + ctx.node() + " is not pci.B.S.F");
        int slot = Integer.parseInt(parts[2]), function = Integer.parseInt(parts[3]);
        String where = "virtio-net at pci " + parts[1] + ":" + slot + ":" + function;
        MacAddress mac;
        Integer mtu;
        try {
            mac = MacAddress.fromConfig(ctx.get("mac"), slot, function, ctx.config().get("name"));
            mtu = parseMtu(ctx.get("mtu"));
        } catch (ConfigException e) {
            throw new ConfigException(where + ": " + e.getMessage(), e);
        }
        NetBackend be = NetBackends.open(ctx.get("backend"), VnetHeader.MRG_LENGTH, where);
        try {
            VirtioNet net = new VirtioNet(be, mac, mtu);
            VirtioPci pci = new VirtioPci(net, ctx);
            net.listen();
            return pci;
        } catch (RuntimeException e) {
            if (be != null) be.close();
            throw e;
        }
    }

    /** bhyve's net_parsemtu: a decimal number in 60..65535; null when absent. */
    static Integer parseMtu(String s) {
        if (s == null) return null;
        int v;
        try {
            v = Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("invalid mtu " + s + " (a number of bytes, " + MIN_MTU + ".." + MAX_MTU + ")");
        }
        if (v < MIN_MTU || v > MAX_MTU) throw new ConfigException("mtu " + v + " is outside " + MIN_MTU + ".." + MAX_MTU);
        return v;
    }

    /** Starts the back end's receive thread (frames wait in the host until the driver is ready). */
    public void listen() {
        if (backend != null) backend.start(this::drain);
    }

    public MacAddress mac() { return initialMac; }

    public NetBackend backend() { return backend; }

    /** Frames delivered to / dropped before the guest, sent for / dropped from the guest. */
    public long rxFrames() { return rxFrames.get(); }

    public long rxDropped() { return rxDropped.get(); }

    public long txFrames() { return txFrames.get(); }

    public long txDropped() { return txDropped.get(); }

    @Override public int type() { return 1; }

    @Override public String name() { return "virtio-net"; }

    @Override public int[] queueSizes() { return new int[] {RING_SIZE, RING_SIZE}; }

    @Override public int pciClass() { return 0x020000; }

    @Override
    public long features() {
        long f = 1L << F_MAC | 1L << F_STATUS | 1L << F_MRG_RXBUF;
        if (mtuSet) f |= 1L << F_MTU;
        if (backendHdr != 0) {
            f |= 1L << F_CSUM | 1L << F_GUEST_CSUM | 1L << F_HOST_TSO4 | 1L << F_HOST_TSO6 | 1L << F_GUEST_TSO4
                    | 1L << F_GUEST_TSO6;
        }
        return f;
    }

    @Override
    public byte[] configSpace() {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        synchronized (mac) {
            b.put(mac);
        }
        return b.putShort((short) (backend != null ? S_LINK_UP : 0)).putShort((short) 1).putShort((short) mtu).array();
    }

    /** Legacy drivers may set the MAC through the configuration space, as bhyve allows. */
    @Override
    public void configWrite(int offset, int size, long value) {
        if (transport.negotiated(VirtioPci.F_VERSION_1)) return;   // read-only for virtio 1.x drivers
        synchronized (mac) {
            for (int i = 0; i < size; i++) {
                if (offset + i >= 0 && offset + i < 6) mac[offset + i] = (byte) (value >>> 8 * i);
            }
        }
    }

    private boolean has(int bit) { return transport.negotiated(bit); }

    /** The header in front of each frame in guest buffers: 12 bytes for virtio 1.x or MRG_RXBUF. */
    private int negotiatedHeaderLength() {
        return has(VirtioPci.F_VERSION_1) || has(F_MRG_RXBUF) ? VnetHeader.MRG_LENGTH : VnetHeader.LENGTH;
    }

    @Override
    protected void start() {
        int tun = 0;
        if (has(F_GUEST_CSUM)) {
            tun |= Tun.TUN_F_CSUM;
            if (has(F_GUEST_TSO4)) tun |= Tun.TUN_F_TSO4;
            if (has(F_GUEST_TSO6)) tun |= Tun.TUN_F_TSO6;
        }
        if (backend != null && backendHdr != 0) backend.setOffloads(tun);
        synchronized (rxLock) {
            guestHdr = negotiatedHeaderLength();
            merge = has(F_MRG_RXBUF);
            guestCsum = (tun & Tun.TUN_F_CSUM) != 0;
            guestTso = (tun & (Tun.TUN_F_TSO4 | Tun.TUN_F_TSO6)) != 0;
            rxNeed = guestHdr + (guestTso ? MAX_GSO_FRAME : Math.max(mtu, DEFAULT_MTU) + 14 + 4);
            held.clear();
            heldBytes = 0;
            running = true;
            rxStalled = false;
        }
        if (backend != null) backend.resume();
    }

    @Override
    protected void stop() {
        synchronized (rxLock) {
            running = false;
            held.clear();
            heldBytes = 0;
        }
        if (backend != null && backendHdr != 0) backend.setOffloads(0);
    }

    @Override
    protected void close() {
        if (backend != null) backend.close();
    }

    /** Receive notifications are wanted only while the device is out of buffers (see drain). */
    @Override
    protected boolean managesNotifications(int q) { return q == RXQ; }

    @Override
    protected void queueNotify(int q) {
        if (q == TXQ) {
            transmit();
        } else if (q == RXQ) {
            if (!rxStalled) return;   // buffers for a device that has not run out: nothing to do
            boolean wake;
            synchronized (rxLock) {
                wake = rxStalled;
                rxStalled = false;
            }
            // Frames waiting while the guest had no room are taken here, on the thread the
            // notification woke, instead of waking the receive thread for them: one thread hop
            // fewer per refill when the host sends faster than the guest reads. The receive
            // thread is woken only to watch the back end again once it is empty.
            if (wake && backend != null && drain()) backend.resume();
        }
    }

    // ---- transmit (device thread) ----

    /** What transmit needs of the negotiated features, read once per notification, not per frame. */
    private record TxMode(int hdr, boolean csum, boolean tso4, boolean tso6) {}

    private void transmit() {
        Virtqueue vq = transport.queue(TXQ);
        TxMode mode = new TxMode(negotiatedHeaderLength(), has(F_CSUM) && backendHdr != 0, has(F_HOST_TSO4),
                has(F_HOST_TSO6));
        NetBackend.TxBatch batch = backend != null ? backend.txBatch() : null;
        int done = 0, queued = 0;
        Chain c;
        try {
            while (done < TX_BATCH && (c = vq.pop()) != null) {
                txHeads[done++] = c.head();
                if (sendChain(c, mode, batch, done - 1)) queued++;
            }
        } finally {
            // the batch reads guest memory until finish() returns: the chains go back after it
            if (batch != null) {
                int sent = batch.finish();
                txFrames.addAndGet(sent);
                txDropped.addAndGet(queued - sent);
            }
            for (int i = 0; i < done; i++) vq.push(txHeads[i], 0);
            if (done > 0) transport.interruptIfNeeded(TXQ);
        }
        if (done == TX_BATCH) transport.kick(TXQ);   // come back after other queues had their turn
    }

    /**
     * Adds one chain to the batch: its readable buffers are the header then the frame, which goes
     * to the back end as host views of guest memory (no copy), behind the translated header in
     * the batch's slot of txHeaders. Returns whether the frame was added (false: dropped here).
     */
    private boolean sendChain(Chain c, TxMode mode, NetBackend.TxBatch batch, int slot) {
        int hdr = mode.hdr();
        if (c.readable() < hdr) {
            throw new VirtioException("transmit chain of " + c.readable() + " bytes has no room for the "
                    + hdr + "-byte virtio_net_hdr");
        }
        long len = c.readable() - hdr;
        if (len < 14 || len > MAX_GSO_FRAME || backend == null) {
            txDropped.incrementAndGet();
            return false;
        }
        List<Chain.Buffer> bufs = c.buffers();
        // The header's 10 bytes that matter (num_buffers does not on transmit) are read once into
        // locals before they are checked: a guest rewriting them meanwhile cannot slip an offload
        // past offloadsAllowed into what the tap gets. Split over buffers, they are gathered first.
        MemorySegment first = bufs.getFirst().host();
        MemorySegment h = first.byteSize() >= VnetHeader.LENGTH ? first : gather(bufs, hdr);
        long lo = h.get(JAVA_LONG_UNALIGNED, 0);                // flags, gso_type, hdr_len, gso_size, csum_start
        short csumOffset = h.get(JAVA_SHORT_UNALIGNED, 8);
        int flags = (int) lo & 0xFF, gso = (int) (lo >>> 8) & 0xFF, gsoSize = (int) (lo >>> 32) & 0xFFFF;
        if (!offloadsAllowed(mode, flags, gso, gsoSize)) {
            txDropped.incrementAndGet();
            return false;
        }
        int k = 0;
        MemorySegment[] parts = new MemorySegment[bufs.size() + 1];
        if (backendHdr != 0) {
            // the tap's header: the guest's fields, flags cut to NEEDS_CSUM, num_buffers 0
            MemorySegment th = txHeaders[slot];
            th.set(JAVA_LONG_UNALIGNED, 0, lo & ~0xFFL | flags & VnetHeader.F_NEEDS_CSUM);
            th.set(JAVA_SHORT_UNALIGNED, 8, csumOffset);
            if (backendHdr == VnetHeader.MRG_LENGTH) th.set(JAVA_SHORT_UNALIGNED, VnetHeader.LENGTH, (short) 0);
            parts[k++] = th;
        }
        long skip = hdr;
        for (Chain.Buffer b : bufs) {
            if (b.writable()) break;   // readable buffers come first (the queue checked)
            MemorySegment s = b.host();
            if (skip >= s.byteSize()) {
                skip -= s.byteSize();
                continue;
            }
            parts[k++] = skip == 0 ? s : s.asSlice(skip);
            skip = 0;
        }
        batch.add(parts, k);
        return true;
    }

    /** The first n readable bytes of a chain (n at most the readable length), copied to scratch. */
    private MemorySegment gather(List<Chain.Buffer> bufs, int n) {
        long off = 0;
        for (Chain.Buffer b : bufs) {
            if (off == n) break;
            long take = Math.min(n - off, b.length());
            MemorySegment.copy(b.host(), 0, txGuestHeader, off, take);
            off += take;
        }
        return txGuestHeader;
    }

    /** Whether the header asks only for offloads the driver negotiated (and the back end can do). */
    private static boolean offloadsAllowed(TxMode mode, int flags, int gsoType, int gsoSize) {
        boolean csum = (flags & VnetHeader.F_NEEDS_CSUM) != 0;
        if (csum && !mode.csum()) return false;
        if ((gsoType & VnetHeader.GSO_ECN) != 0) return false;   // HOST_ECN is not offered
        return switch (gsoType) {
            case VnetHeader.GSO_NONE -> true;
            case VnetHeader.GSO_TCPV4 -> mode.tso4() && csum && gsoSize > 0;
            case VnetHeader.GSO_TCPV6 -> mode.tso6() && csum && gsoSize > 0;
            default -> false;
        };
    }

    // ---- receive (the back end's thread) ----

    /**
     * The back end's receive handler: frames go into the guest's receive buffers until the back
     * end is empty (true) or the guest has no room (false: the back end waits for resume, which
     * the driver's next receive notification triggers).
     */
    boolean drain() {
        int delivered = 0;
        try {
            synchronized (rxLock) {
                if (!running) return false;
                if ((transport.status() & VirtioPci.STATUS_NEEDS_RESET) != 0) return false;
                Virtqueue vq = transport.queue(RXQ);
                if (!vq.active()) return false;
                // While the device has buffers it needs no word of new ones: the driver's
                // refills then cost its vCPU no exit and the device thread no wake-up.
                vq.disableNotifications();
                while (true) {
                    if (!gather(vq)) {
                        // stalled first, then notifications on, then look again (enable fences):
                        // a driver that posts later sees no NO_NOTIFY and notifies, and that
                        // notification finds rxStalled set; what it posted before is seen here
                        rxStalled = true;
                        vq.enableNotifications();
                        if (!vq.hasAvailable()) return false;
                        rxStalled = false;
                        vq.disableNotifications();
                        continue;
                    }
                    int r = receiveOne(vq);
                    if (r == 0) return true;
                    if (r > 0 && ++delivered % RX_BATCH == 0) transport.interruptIfNeeded(RXQ);
                }
            }
        } catch (VirtioException | GuestMemory.GuestMemoryException e) {
            transport.fail(e.getMessage());
            return false;
        } catch (RuntimeException e) {
            transport.fail("internal error on the receive thread: " + e);
            return false;
        } finally {
            if (delivered % RX_BATCH != 0) transport.interruptIfNeeded(RXQ);
        }
    }

    /**
     * Holds enough receive buffers for the largest frame the back end may hand over: one chain
     * without MRG_RXBUF (it must hold the whole frame), as many as it takes with it.
     */
    private boolean gather(Virtqueue vq) {
        while (merge ? heldBytes < rxNeed : held.isEmpty()) {
            Chain c = vq.pop();
            if (c == null) return false;
            if (c.writable() < guestHdr) {
                throw new VirtioException("receive chain of " + c.writable() + " writable bytes has no room for the "
                        + guestHdr + "-byte virtio_net_hdr");
            }
            held.add(c);
            heldBytes += c.writable();
        }
        return true;
    }

    /**
     * Reads one frame into the held chains: 1 delivered, -1 dropped, 0 none waiting. One readv
     * scatters the back end's header into scratch and the frame straight into the guest's buffers
     * (the first chain's first guestHdr bytes skipped, for the translated header written after).
     */
    private int receiveOne(Virtqueue vq) {
        int usable = merge ? held.size() : 1;
        int k = 0, buffers = 1;
        for (int i = 0; i < usable; i++) buffers += held.get(i).buffers().size();
        MemorySegment[] iov = new MemorySegment[buffers];
        if (backendHdr != 0) iov[k++] = rxHeaderSlice;
        long capacity = 0, skip = guestHdr;
        for (int i = 0; i < usable; i++) {
            for (Chain.Buffer b : held.get(i).buffers()) {
                if (!b.writable()) continue;
                MemorySegment s = b.host();
                capacity += s.byteSize();
                if (skip >= s.byteSize()) {
                    skip -= s.byteSize();
                    continue;
                }
                iov[k++] = skip == 0 ? s : s.asSlice(skip);
                skip = 0;
            }
        }
        capacity -= guestHdr;
        int n = backend.receive(iov, k);
        if (n <= 0) return 0;
        long frame = n - backendHdr;
        if (frame < 14 || frame > capacity) {
            // too short to be Ethernet, or cut short by buffers smaller than the frame: the back end
            // consumed it, so it is lost; the buffers stay for the next frame
            rxDropped.incrementAndGet();
            return -1;
        }
        // how many chains the frame filled: the first holds the header and its share of the frame
        int used = 0;
        for (long left = frame; used < usable && (left > 0 || used == 0); used++) {
            long room = held.get(used).writable() - (used == 0 ? guestHdr : 0);
            left -= Math.min(room, left);
        }
        writeGuestHeader(used);
        long left = frame;
        for (int i = 0; i < used; i++) {
            Chain c = held.removeFirst();
            heldBytes -= c.writable();
            long room = c.writable() - (i == 0 ? guestHdr : 0);
            long take = Math.min(room, left);
            left -= take;
            vq.push(c.head(), take + (i == 0 ? guestHdr : 0));
        }
        rxFrames.incrementAndGet();
        return 1;
    }

    /**
     * The guest's virtio_net_hdr from the back end's (in rxHeader): offload fields only for what
     * the driver took, num_buffers = used; written over the first chain's first guestHdr bytes.
     */
    private void writeGuestHeader(int used) {
        long lo = 0;          // flags, gso_type, hdr_len, gso_size, csum_start (little-endian)
        short csumOffset = 0;
        if (backendHdr != 0) {
            long t = rxHeader.get(JAVA_LONG_UNALIGNED, 0);
            int flags = guestCsum ? (int) t & (VnetHeader.F_NEEDS_CSUM | VnetHeader.F_DATA_VALID) : 0;
            int gso = guestTso ? (int) (t >>> 8) & 0xFF : VnetHeader.GSO_NONE;
            lo = flags | (long) gso << 8;
            if (gso != VnetHeader.GSO_NONE) lo |= t & 0x0000_FFFF_FFFF_0000L;           // hdr_len, gso_size
            if (flags != 0) {
                lo |= t & 0xFFFF_0000_0000_0000L;                                          // csum_start
                csumOffset = rxHeader.get(JAVA_SHORT_UNALIGNED, 8);
            }
        }
        Chain.Buffer b0 = held.getFirst().buffers().getFirst();
        MemorySegment out = b0.writable() && b0.length() >= guestHdr ? b0.host() : rxGuestHeader;
        out.set(JAVA_LONG_UNALIGNED, 0, lo);
        out.set(JAVA_SHORT_UNALIGNED, 8, csumOffset);
        if (guestHdr == VnetHeader.MRG_LENGTH) out.set(JAVA_SHORT_UNALIGNED, VnetHeader.LENGTH, (short) used);
        if (out != rxGuestHeader) return;
        // split over buffers (or behind readable ones): copied piece by piece from scratch
        long off = 0;
        for (Chain.Buffer b : held.getFirst().buffers()) {
            if (off == guestHdr) break;
            if (!b.writable()) continue;
            long take = Math.min(guestHdr - off, b.length());
            MemorySegment.copy(out, off, b.host(), 0, take);
            off += take;
        }
    }

    @Override
    public String toString() {
        return "virtio-net " + initialMac + (backend != null ? " on " + backend.name() : " (no back end)");
    }
}
