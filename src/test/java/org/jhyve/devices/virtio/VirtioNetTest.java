package org.jhyve.devices.virtio;

import org.jhyve.config.ConfigException;
import org.jhyve.devices.net.FakeBackend;
import org.jhyve.devices.net.MacAddress;
import org.jhyve.devices.net.VnetHeader;
import org.jhyve.devices.pci.PciConfigSpace;
import org.jhyve.sys.Tun;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static org.jhyve.devices.virtio.VirtioNet.*;
import static org.jhyve.devices.virtio.VirtioPci.*;
import static org.junit.jupiter.api.Assertions.*;

/** virtio-net on fake guest memory and a fake back end, driven through the transport as a driver would. */
class VirtioNetTest {
    static final MacAddress MAC = MacAddress.parse("58:9c:fc:00:00:07");
    static final long OFFLOADS = 1L << F_CSUM | 1L << F_GUEST_CSUM | 1L << F_HOST_TSO4 | 1L << F_HOST_TSO6
            | 1L << F_GUEST_TSO4 | 1L << F_GUEST_TSO6;
    static final long ALL = ~0L;

    /** A harness with a virtio-net on back end (null: none) and the two drivers' rings. */
    static final class Net implements AutoCloseable {
        final FakeBackend be;
        VirtioNet net;
        final Harness h;
        final FakeDriver rx, tx;

        Net(FakeBackend be, Integer mtu) {
            this.be = be;
            h = new Harness(Harness.config(), ctx -> {
                net = new VirtioNet(be, MAC, mtu);
                VirtioPci p = new VirtioPci(net, ctx);
                net.listen();
                return p;
            });
            rx = FakeDriver.standard(h.mem, 256);
            tx = new FakeDriver(h.mem, 256, 0x40000, 0x50000, 0x60000);
            tx.dataTop = 0x300000;
        }

        /** Modern handshake with MSI-X; queues set up, DRIVER_OK. Returns the accepted features. */
        long up(long want) {
            h.enableMsix(3);
            long f = h.negotiate(want | 1L << F_VERSION_1);
            h.queue(RXQ, rx, 0);
            h.queue(TXQ, tx, 1);
            h.common(0x10, 2, 2);
            h.driverOk();
            return f;
        }

        @Override
        public void close() { h.close(); }
    }

    static byte[] frame(int len, int seed) {
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) f[i] = (byte) (i * 7 + seed);
        f[0] = 0x58;   // unicast destination
        return f;
    }

    static byte[] withHeader(VnetHeader vh, int hdrLen, byte[] frame) {
        byte[] out = new byte[hdrLen + frame.length];
        vh.write(MemorySegment.ofArray(out), hdrLen);
        System.arraycopy(frame, 0, out, hdrLen, frame.length);
        return out;
    }

    static byte[] descBuffer(FakeDriver d, int head, int len) {
        return d.mem.read(d.mem.readLong(d.desc + 16L * head), len);
    }

    @Test
    void identityConfigAndFeatures() {
        try (Net n = new Net(new FakeBackend(VnetHeader.MRG_LENGTH), 9000)) {
            assertEquals(0x1000, n.h.cfgRead(0x02, 2));
            assertEquals(0x020000, n.h.cfgRead(0x08, 4) >>> 8);
            assertEquals(1, n.h.cfgRead(PciConfigSpace.SUBSYS_ID, 2));
            for (int i = 0; i < 6; i++) assertEquals(MAC.get(i), n.h.deviceConfig(i, 1));
            assertEquals(S_LINK_UP, n.h.deviceConfig(6, 2));
            assertEquals(1, n.h.deviceConfig(8, 2));
            assertEquals(9000, n.h.deviceConfig(10, 2));
            n.h.common(0x16, 2, TXQ);
            assertEquals(RING_SIZE, n.h.common(0x18, 2), "bhyve's rings of 1024");
            long f = n.up(ALL);
            long dev = 1L << F_MAC | 1L << F_STATUS | 1L << F_MRG_RXBUF | 1L << F_MTU | OFFLOADS;
            assertEquals(dev, f & 0xFFFFFFL, Long.toHexString(f));
            assertEquals(2, n.h.common(0x12, 2), "one receive/transmit pair, no control queue");
            // the driver took every offload: checksums and TSO for both IP versions on the tap
            assertEquals(Tun.TUN_F_CSUM | Tun.TUN_F_TSO4 | Tun.TUN_F_TSO6, (int) n.be.offloads.getLast());
            n.h.common(0x14, 1, 0);
            assertEquals(0, (int) n.be.offloads.getLast(), "reset takes the offloads back");
        }
        try (Net n = new Net(null, null)) {
            long f = n.up(ALL) & 0xFFFFFFL;
            assertEquals(1L << F_MAC | 1L << F_STATUS | 1L << F_MRG_RXBUF, f, "no back end: no offloads, no MTU");
            assertEquals(0, n.h.deviceConfig(6, 2), "link down without a back end");
            assertEquals(DEFAULT_MTU, n.h.deviceConfig(10, 2));
        }
        try (Net n = new Net(new FakeBackend(0), null)) {
            assertEquals(0, n.up(ALL) & OFFLOADS, "a back end without vnet header: no offloads");
        }
    }

    @Test
    void mtuAndMacOptions() {
        assertNull(VirtioNet.parseMtu(null));
        assertEquals(9000, VirtioNet.parseMtu("9000"));
        assertThrows(ConfigException.class, () -> VirtioNet.parseMtu("59"));
        assertThrows(ConfigException.class, () -> VirtioNet.parseMtu("65536"));
        ConfigException e = assertThrows(ConfigException.class, () -> VirtioNet.parseMtu("big"));
        assertTrue(e.getMessage().contains("big"), e.getMessage());
        assertThrows(ConfigException.class, () -> new VirtioNet(null, MAC, 10));
    }

    @Test
    void transmitPassesTheHeaderToTheBackEndAndGathersTheFrame() {
        FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
        try (Net n = new Net(be, null)) {
            n.up(ALL);
            byte[] f = frame(3000, 1);
            VnetHeader tso = new VnetHeader(VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_TCPV4, 54, 1448, 34, 16, 0);
            byte[] hdr = withHeader(tso, 12, new byte[0]);
            // header split over two descriptors, frame over two more
            n.tx.chain(new byte[][] {Arrays.copyOf(hdr, 5), Arrays.copyOfRange(hdr, 5, 12), Arrays.copyOf(f, 1000),
                    Arrays.copyOfRange(f, 1000, 3000)});
            n.h.notify(TXQ);
            Harness.awaitUsed(n.tx, 1);
            assertEquals(0, n.tx.usedElem(0)[1], "transmit buffers come back with nothing written");
            synchronized (be) {
                assertEquals(1, be.sent.size());
                byte[] out = be.sent.getFirst();
                assertEquals(12 + 3000, out.length);
                assertEquals(tso, VnetHeader.read(MemorySegment.ofArray(out), 12));
                assertArrayEquals(f, Arrays.copyOfRange(out, 12, out.length));
            }
            assertEquals(1, n.net.txFrames());
        }
    }

    /** A back end that sends late (io_uring) reads the frames when the batch ends: the chains go back only after. */
    @Test
    void transmitGivesBuffersBackOnlyAfterTheBatchWasSent() {
        FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
        try (Net n = new Net(be, null)) {
            n.up(ALL);
            // The chains may go out in one batch or in two (the notification DRIVER_OK sends
            // every queue can reach the device thread while they are being posted), and a batch
            // may be empty. At each finish only the frames of earlier batches may be back.
            AtomicInteger finishes = new AtomicInteger(), early = new AtomicInteger();
            be.onBatchFinish = () -> {
                synchronized (be) {
                    if (n.tx.usedIdx() != be.sent.size()) early.incrementAndGet();
                }
                finishes.incrementAndGet();
            };
            for (int i = 0; i < 3; i++) n.tx.chain(new byte[][] {withHeader(VnetHeader.NONE, 12, frame(100 + i, i))});
            n.h.notify(TXQ);
            Harness.awaitUsed(n.tx, 3);
            assertTrue(finishes.get() > 0, "the frames went out in batches");
            assertEquals(0, early.get(), "no chain was given back before its batch was sent");
            synchronized (be) {
                assertEquals(3, be.sent.size());
                for (int i = 0; i < 3; i++) assertArrayEquals(frame(100 + i, i), Arrays.copyOfRange(be.sent.get(i), 12, 112 + i));
            }
            assertEquals(3, n.net.txFrames());
        }
    }

    @Test
    void offloadsTheDriverDidNotTakeDropTheFrameOnly() {
        FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
        try (Net n = new Net(be, null)) {
            n.up(~OFFLOADS);
            VnetHeader csum = new VnetHeader(VnetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16, 0);
            n.tx.chain(new byte[][] {withHeader(csum, 12, frame(100, 2))});
            n.tx.chain(new byte[][] {withHeader(VnetHeader.NONE, 12, frame(100, 3))});
            n.tx.chain(new byte[][] {withHeader(VnetHeader.NONE, 12, new byte[10])});   // runt
            n.h.notify(TXQ);
            Harness.awaitUsed(n.tx, 3);
            synchronized (be) {
                assertEquals(1, be.sent.size());
                assertArrayEquals(frame(100, 3), Arrays.copyOfRange(be.sent.getFirst(), 12, 112));
            }
            assertEquals(2, n.net.txDropped());
            assertEquals(0, n.h.status() & STATUS_NEEDS_RESET);
        }
    }

    @Test
    void mergeableReceiveSpreadsAFrameOverBuffersAndCountsThem() {
        FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
        try (Net n = new Net(be, null)) {
            n.up(ALL & ~(1L << F_GUEST_TSO4 | 1L << F_GUEST_TSO6));
            int[] heads = new int[4];
            for (int i = 0; i < 4; i++) heads[i] = n.rx.chain(new byte[0][], 1024);
            n.h.notify(RXQ);
            byte[] big = frame(1800, 5), small = frame(60, 9);
            VnetHeader partial = new VnetHeader(VnetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 6, 0);
            // false: one 1024-byte buffer is left, less than a whole frame may need, so the device waits for more
            assertFalse(be.deliver(withHeader(partial, 12, big), withHeader(VnetHeader.NONE, 12, small)));
            assertEquals(3, n.rx.usedIdx());
            assertEquals(heads[0], n.rx.usedElem(0)[0]);
            assertEquals(1024, n.rx.usedElem(0)[1]);
            assertEquals(12 + 1800 - 1024, n.rx.usedElem(1)[1]);
            assertEquals(12 + 60, n.rx.usedElem(2)[1]);
            byte[] first = descBuffer(n.rx, heads[0], 1024), second = descBuffer(n.rx, heads[1], 1024);
            VnetHeader got = VnetHeader.read(MemorySegment.ofArray(first), 12);
            assertEquals(new VnetHeader(VnetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 6, 2), got, "partial checksum kept, two buffers");
            byte[] joined = new byte[1800];
            System.arraycopy(first, 12, joined, 0, 1012);
            System.arraycopy(second, 0, joined, 1012, 788);
            assertArrayEquals(big, joined);
            byte[] third = descBuffer(n.rx, heads[2], 72);
            assertEquals(1, VnetHeader.read(MemorySegment.ofArray(third), 12).numBuffers());
            assertArrayEquals(small, Arrays.copyOfRange(third, 12, 72));
            assertEquals(2, n.net.rxFrames());
            assertTrue(n.h.msiCount() > 0, "receive interrupt");
        }
    }

    @Test
    void receiveHeaderSplitOverTwoBuffersIsWrittenAcrossThem() {
        FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
        try (Net n = new Net(be, null)) {
            n.up(ALL & ~(1L << F_GUEST_TSO4 | 1L << F_GUEST_TSO6));
            // one chain of 5 + 7 + 2048 writable bytes: the 12-byte header spans the first two
            int head = n.rx.chain(new byte[0][], 5, 7, 2048);
            VnetHeader partial = new VnetHeader(VnetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16, 0);
            byte[] f = frame(700, 4);
            be.deliver(withHeader(partial, 12, f));
            assertEquals(1, n.rx.usedIdx());
            assertEquals(12 + 700, n.rx.usedElem(0)[1]);
            byte[] hdr = new byte[12];
            System.arraycopy(descBuffer(n.rx, head, 5), 0, hdr, 0, 5);
            System.arraycopy(descBuffer(n.rx, head + 1, 7), 0, hdr, 5, 7);
            assertEquals(new VnetHeader(VnetHeader.F_NEEDS_CSUM, 0, 0, 0, 34, 16, 1), VnetHeader.read(MemorySegment.ofArray(hdr), 12));
            assertArrayEquals(f, descBuffer(n.rx, head + 2, 700));
        }
    }

    @Test
    void receiveWithoutGuestOffloadsClearsTheHostsHeader() {
        FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
        try (Net n = new Net(be, null)) {
            n.up(ALL & ~OFFLOADS);
            assertEquals(0, (int) be.offloads.getLast());
            int head = n.rx.chain(new byte[0][], 2048);
            VnetHeader valid = new VnetHeader(VnetHeader.F_DATA_VALID, 0, 0, 0, 0, 0, 0);
            be.deliver(withHeader(valid, 12, frame(200, 1)));
            assertEquals(new VnetHeader(0, 0, 0, 0, 0, 0, 1), VnetHeader.read(MemorySegment.ofArray(descBuffer(n.rx, head, 12)), 12));
        }
    }

    @Test
    void withoutMergeableBuffersEachFrameNeedsOneChainThatHoldsIt() {
        FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
        try (Net n = new Net(be, null)) {
            n.up(ALL & ~(1L << F_MRG_RXBUF));
            int small = n.rx.chain(new byte[0][], 12, 500);    // header descriptor + data, as legacy drivers post
            int large = n.rx.chain(new byte[0][], 12, 1514);
            be.deliver(withHeader(VnetHeader.NONE, 12, frame(1000, 4)));
            assertEquals(0, n.rx.usedIdx(), "a frame larger than the chain is lost, the chain stays");
            assertEquals(1, n.net.rxDropped());
            be.deliver(withHeader(VnetHeader.NONE, 12, frame(400, 4)), withHeader(VnetHeader.NONE, 12, frame(1000, 6)));
            assertEquals(2, n.rx.usedIdx());
            assertEquals(small, n.rx.usedElem(0)[0]);
            assertEquals(412, n.rx.usedElem(0)[1]);
            assertEquals(large, n.rx.usedElem(1)[0]);
            assertEquals(1012, n.rx.usedElem(1)[1]);
            long data = n.h.mem.readLong(n.rx.desc + 16L * (large + 1));
            assertArrayEquals(frame(1000, 6), n.h.mem.read(data, 1000));
            assertEquals(1, VnetHeader.read(MemorySegment.ofArray(descBuffer(n.rx, large, 12)), 12).numBuffers(),
                    "virtio 1.x without MRG_RXBUF: num_buffers is 1");
        }
    }

    static int resumes(FakeBackend be) {
        synchronized (be) { return be.resumes; }
    }

    @Test
    void noBuffersStopsTheBackEndUntilTheDriverPostsSome() {
        FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
        try (Net n = new Net(be, null)) {
            n.up(ALL);
            int before = be.resumes;
            assertFalse(be.deliver(withHeader(VnetHeader.NONE, 12, frame(100, 1))), "no room: the back end waits");
            synchronized (be) { assertEquals(1, be.incoming.size(), "the frame waits in the back end"); }
            // with GUEST_TSO the device holds room for a 64 KiB frame before it takes one
            for (int i = 0; i < 18; i++) n.rx.chain(new byte[0][], 4096);
            n.h.notify(RXQ);
            long end = System.nanoTime() + 5_000_000_000L;
            while (resumes(be) == before && System.nanoTime() < end) Thread.onSpinWait();
            assertTrue(resumes(be) > before, "the driver's notification resumed the back end");
            // the notified device thread took the waiting frame itself, without the receive thread
            Harness.awaitUsed(n.rx, 1);
            synchronized (be) { assertEquals(0, be.incoming.size(), "the waiting frame was taken"); }
            assertTrue(be.deliver());
            assertEquals(1, n.rx.usedIdx());
            assertArrayEquals(frame(100, 1), Arrays.copyOfRange(descBuffer(n.rx, 0, 112), 12, 112));
        }
    }

    /**
     * While the device holds receive buffers the driver is told not to notify (NO_NOTIFY, or with
     * EVENT_IDX an avail_event left behind); once it runs out it asks again, so a refill wakes it.
     */
    @Test
    void receiveNotificationsAreWantedOnlyWhenTheDeviceRunsOut() {
        for (boolean eventIdx : new boolean[] {false, true}) {
            FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
            try (Net n = new Net(be, null)) {
                long tso = 1L << F_GUEST_TSO4 | 1L << F_GUEST_TSO6;
                long f = n.up(ALL & ~tso & ~(eventIdx ? 0 : 1L << F_EVENT_IDX));
                assertEquals(eventIdx, (f & 1L << F_EVENT_IDX) != 0);
                assertFalse(be.deliver(), "no buffers yet: the device stalls");
                Harness.awaitValue(n.rx::usedFlags, 0, "stalled: notifications on");
                for (int i = 0; i < 4; i++) n.rx.chain(new byte[0][], 2048);
                assertTrue(be.deliver(withHeader(VnetHeader.NONE, 12, frame(100, 1))));
                assertEquals(1, n.rx.usedIdx());
                if (eventIdx) {
                    Harness.awaitValue(n.rx::availEvent, 0, "avail_event stays where the stall left it");
                    Harness.awaitValue(n.rx::usedFlags, 0, "EVENT_IDX: the flag stays clear");
                } else {
                    Harness.awaitValue(n.rx::usedFlags, Virtqueue.USED_F_NO_NOTIFY, "buffers held: no notifications");
                }
                // three more frames use the other three buffers; the fifth finds none
                assertFalse(be.deliver(withHeader(VnetHeader.NONE, 12, frame(100, 2)), withHeader(VnetHeader.NONE, 12, frame(100, 3)),
                        withHeader(VnetHeader.NONE, 12, frame(100, 4)), withHeader(VnetHeader.NONE, 12, frame(100, 5))));
                assertEquals(4, n.rx.usedIdx());
                Harness.awaitValue(n.rx::usedFlags, 0, "out of buffers: notifications on again");
                if (eventIdx) Harness.awaitValue(n.rx::availEvent, 4, "the next buffer posted is to be notified");
                // the refill's notification wakes the device thread, which takes the waiting frame
                n.rx.chain(new byte[0][], 2048);
                n.h.notify(RXQ);
                Harness.awaitUsed(n.rx, 5);
                assertArrayEquals(frame(100, 5), Arrays.copyOfRange(descBuffer(n.rx, 4, 112), 12, 112));
            }
        }
    }

    @Test
    void legacyDriverGetsTenByteHeadersAndMayWriteTheMac() {
        FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
        try (Net n = new Net(be, null)) {
            Harness h = n.h;
            long io = h.legacy;
            h.pio.write(io + L_STATUS, 1, 0);
            h.pio.write(io + L_STATUS, 1, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
            long offered = h.pio.read(io + L_HOST_FEATURES, 4);
            assertEquals(1L << F_MAC, offered & 1L << F_MAC);
            h.pio.write(io + L_GUEST_FEATURES, 4, offered & (1L << F_MAC | 1L << F_CSUM));
            FakeDriver lrx = new FakeDriver(h.mem, RING_SIZE, 0x80000, 0x84000, 0x85000);
            FakeDriver ltx = new FakeDriver(h.mem, RING_SIZE, 0x90000, 0x94000, 0x95000);
            ltx.dataTop = 0x300000;
            h.pio.write(io + L_QUEUE_SELECT, 2, RXQ);
            h.pio.write(io + L_QUEUE_PFN, 4, 0x80);
            h.pio.write(io + L_QUEUE_SELECT, 2, TXQ);
            h.pio.write(io + L_QUEUE_PFN, 4, 0x90);
            h.pio.write(io + 0x14, 1, 0x02);   // MAC byte 0 through the legacy config window (no MSI-X)
            assertEquals(0x02, h.pio.read(io + 0x14, 1));
            h.pio.write(io + L_STATUS, 1, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK);
            int head = lrx.chain(new byte[0][], 10, 1514);
            be.deliver(withHeader(new VnetHeader(VnetHeader.F_DATA_VALID, 0, 0, 0, 0, 0, 0), 12, frame(300, 2)));
            assertEquals(1, lrx.usedIdx());
            assertEquals(310, lrx.usedElem(0)[1], "10-byte header + frame");
            long data = h.mem.readLong(lrx.desc + 16L * (head + 1));
            assertArrayEquals(frame(300, 2), h.mem.read(data, 300));
            ltx.chain(new byte[][] {new byte[10], frame(80, 3)});
            h.pio.write(io + L_QUEUE_NOTIFY, 2, TXQ);
            Harness.awaitUsed(ltx, 1);
            synchronized (be) {
                byte[] out = be.sent.getFirst();
                assertEquals(12 + 80, out.length, "the tap still gets its 12-byte header");
                assertArrayEquals(frame(80, 3), Arrays.copyOfRange(out, 12, 92));
            }
        }
    }

    @Test
    void hostileChainsEndInNeedsReset() {
        FakeBackend be = new FakeBackend(VnetHeader.MRG_LENGTH);
        try (Net n = new Net(be, null)) {
            n.up(ALL);
            n.tx.chain(new byte[][] {new byte[6]});   // shorter than the header
            n.h.notify(TXQ);
            n.h.awaitNeedsReset();
            assertTrue(n.net.backend() == be && be.sent.isEmpty());
        }
        try (Net n = new Net(be = new FakeBackend(VnetHeader.MRG_LENGTH), null)) {
            n.up(ALL);
            n.rx.chain(new byte[][] {new byte[64]});   // a receive buffer the device may not write
            assertFalse(be.deliver(withHeader(VnetHeader.NONE, 12, frame(100, 1))));
            n.h.awaitNeedsReset();
            assertFalse(be.deliver(), "a device that needs a reset takes no frames");
            // reset and bring it up again: it works
            n.h.common(0x14, 1, 0);
            FakeDriver rx2 = new FakeDriver(n.h.mem, 64, 0xA0000, 0xA1000, 0xA2000);
            rx2.dataTop = 0x380000;
            n.h.enableMsix(3);
            n.h.negotiate(ALL);
            n.h.queue(RXQ, rx2, 0);
            n.h.driverOk();
            assertEquals(0, n.h.status() & STATUS_NEEDS_RESET);
            for (int i = 0; i < 20; i++) rx2.chain(new byte[0][], 4096);
            assertTrue(be.deliver());
            assertEquals(1, rx2.usedIdx());
        }
    }
}
