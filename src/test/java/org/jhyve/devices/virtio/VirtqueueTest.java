package org.jhyve.devices.virtio;

import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;

/** The split ring on fake guest memory: normal use and every hostile case the device must survive. */
class VirtqueueTest {
    private Arena arena;
    private GuestMemory mem;
    private FakeDriver drv;
    private Virtqueue q;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        mem = FakeDriver.memory(arena);
        drv = FakeDriver.standard(mem, 8);
        q = new Virtqueue(mem, 0, 16);
        drv.configure(q);
        q.activate();
    }

    @AfterEach
    void tearDown() { arena.close(); }

    private VirtioException refused() {
        return assertThrows(VirtioException.class, () -> q.pop());
    }

    @Test
    void chainWithReadableThenWritableBuffers() {
        int head = drv.chain(new byte[][] {{1, 2, 3}, {4, 5}}, 7);
        Chain c = q.pop();
        assertNotNull(c);
        assertEquals(head, c.head());
        assertEquals(5, c.readable());
        assertEquals(7, c.writable());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, c.reader().read(5));
        ChainWriter w = c.writer();
        w.write(new byte[] {9, 8, 7});
        assertEquals(3, w.written());
        assertEquals(9, c.buffers().get(2).host().get(ValueLayout.JAVA_BYTE, 0));
        assertNull(q.pop(), "only one chain was published");
        q.push(c.head(), w.written());
        assertEquals(1, drv.usedIdx());
        assertArrayEquals(new int[] {head, 3}, drv.usedElem(0));
    }

    @Test
    void readingMoreThanTheChainHoldsFails() {
        drv.chain(new byte[][] {{1, 2}}, 4);
        Chain c = q.pop();
        assertThrows(VirtioException.class, () -> c.reader().read(3));
    }

    @Test
    void writesNeverReachReadOnlyBuffers() {
        drv.chain(new byte[][] {{1, 2, 3, 4}}, 2);
        Chain c = q.pop();
        ChainWriter w = c.writer();
        assertThrows(VirtioException.class, () -> w.write(new byte[] {5, 5, 5}));
        assertArrayEquals(new byte[] {1, 2, 3, 4}, mem.read(c.buffers().get(0).gpa(), 4), "readable buffer untouched");
        assertEquals(0, w.written());
        byte[] none = {};
        drv.chain(new byte[][] {{1}});
        Chain ro = q.pop();
        assertThrows(VirtioException.class, () -> ro.writer().lastByte());
        assertEquals(0, none.length);
    }

    @Test
    void descriptorOutsideRamIsRefused() {
        drv.desc(0, FakeDriver.RAM - 8, 16, 0, 0);
        drv.publish(0);
        assertTrue(refused().getMessage().contains("outside guest RAM"));
    }

    @Test
    void hugeLengthIsRefused() {
        drv.desc(0, 0x100000, 0xFFFF_FFFFL, 0, 0);
        drv.publish(0);
        assertTrue(refused().getMessage().contains("outside guest RAM"));
    }

    @Test
    void zeroLengthIsRefused() {
        drv.desc(0, 0x100000, 0, 0, 0);
        drv.publish(0);
        assertTrue(refused().getMessage().contains("length 0"));
    }

    @Test
    void loopingChainIsRefused() {
        drv.desc(0, 0x100000, 16, Virtqueue.DESC_F_NEXT, 1);
        drv.desc(1, 0x100000, 16, Virtqueue.DESC_F_NEXT, 0);
        drv.publish(0);
        assertTrue(refused().getMessage().contains("longer than"));
    }

    @Test
    void chainLongerThanTheQueueIsRefused() {
        for (int i = 0; i < 8; i++) drv.desc(i, 0x100000, 16, Virtqueue.DESC_F_NEXT, (i + 1) % 8);
        drv.publish(3);
        assertThrows(VirtioException.class, () -> q.pop());
    }

    @Test
    void nextBeyondTheQueueIsRefused() {
        drv.desc(0, 0x100000, 16, Virtqueue.DESC_F_NEXT, 8);
        drv.publish(0);
        assertTrue(refused().getMessage().contains("beyond"));
    }

    @Test
    void headBeyondTheQueueIsRefused() {
        drv.publish(200);
        assertTrue(refused().getMessage().contains("head descriptor"));
    }

    @Test
    void availableIndexTooFarAheadIsRefused() {
        drv.desc(0, 0x100000, 16, 0, 0);
        drv.setAvailIdx(9);   // 9 new entries in a queue of 8
        assertTrue(refused().getMessage().contains("ahead"));
    }

    @Test
    void readableAfterWritableIsRefused() {
        drv.desc(0, 0x100000, 16, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 1);
        drv.desc(1, 0x100100, 16, 0, 0);
        drv.publish(0);
        assertTrue(refused().getMessage().contains("after a writable"));
    }

    @Test
    void ringsOutsideRamMisalignedOrBadSizeAreRefused() {
        Virtqueue r = new Virtqueue(mem, 1, 16);
        r.setSize(8);
        r.setAddresses(FakeDriver.RAM - 64, 0x20000, 0x30000);
        assertThrows(VirtioException.class, r::activate);
        r.setAddresses(0x10008, 0x20000, 0x30000);
        assertThrows(VirtioException.class, r::activate);
        r.setAddresses(0x10000, 0x20000, 0x30000);
        r.setSize(6);
        assertThrows(VirtioException.class, r::activate);
        r.setSize(32);
        assertThrows(VirtioException.class, r::activate);
        r.setSize(8);
        r.activate();
        assertTrue(r.active());
    }

    @Test
    void legacyPfnLayoutAlignsTheUsedRing() {
        Virtqueue r = new Virtqueue(mem, 1, 64);
        r.setLegacyPfn(0x40);
        assertEquals(0x40000, r.descAddr());
        assertEquals(0x40000 + 16 * 64, r.availAddr());
        assertEquals(0x41000, r.usedAddr());
    }

    @Test
    void indirectNeedsTheFeature() {
        drv.indirectChain(new byte[][] {{1}}, 1);
        assertTrue(refused().getMessage().contains("INDIRECT_DESC"));
    }

    @Test
    void indirectChainIsFollowed() {
        q.setFeatures(true, false);
        int head = drv.indirectChain(new byte[][] {{1, 2}, {3}}, 4, 4);
        Chain c = q.pop();
        assertEquals(head, c.head());
        assertEquals(4, c.buffers().size());
        assertEquals(3, c.readable());
        assertEquals(8, c.writable());
        assertArrayEquals(new byte[] {1, 2, 3}, c.reader().read(3));
    }

    @Test
    void hostileIndirectTablesAreRefused() {
        q.setFeatures(true, false);
        // length not a multiple of 16
        drv.desc(0, 0x100000, 24, Virtqueue.DESC_F_INDIRECT, 0);
        drv.publish(0);
        assertThrows(VirtioException.class, () -> q.pop());
    }

    @Test
    void nestedIndirectIsRefused() {
        q.setFeatures(true, false);
        long table = 0x200000;
        drv.descAt(table, 0, 0x210000, 16, Virtqueue.DESC_F_INDIRECT, 0);
        drv.desc(0, table, 16, Virtqueue.DESC_F_INDIRECT, 0);
        drv.publish(0);
        assertTrue(refused().getMessage().contains("inside an indirect"));
    }

    @Test
    void indirectWithNextIsRefused() {
        q.setFeatures(true, false);
        drv.descAt(0x200000, 0, 0x210000, 16, 0, 0);
        drv.desc(0, 0x200000, 16, Virtqueue.DESC_F_INDIRECT | Virtqueue.DESC_F_NEXT, 1);
        drv.publish(0);
        assertTrue(refused().getMessage().contains("NEXT"));
    }

    @Test
    void loopInsideAnIndirectTableIsRefused() {
        q.setFeatures(true, false);
        drv.descAt(0x200000, 0, 0x210000, 16, Virtqueue.DESC_F_NEXT, 1);
        drv.descAt(0x200000, 1, 0x210000, 16, Virtqueue.DESC_F_NEXT, 0);
        drv.desc(0, 0x200000, 32, Virtqueue.DESC_F_INDIRECT, 0);
        drv.publish(0);
        assertTrue(refused().getMessage().contains("indirect table"));
    }

    @Test
    void indirectTableOutsideRamIsRefused() {
        q.setFeatures(true, false);
        drv.desc(0, FakeDriver.RAM - 16, 32, Virtqueue.DESC_F_INDIRECT, 0);
        drv.publish(0);
        assertTrue(refused().getMessage().contains("outside guest RAM"));
    }

    @Test
    void interruptUnlessTheDriverSuppressesIt() {
        drv.chain(new byte[][] {{1}});
        q.push(q.pop().head(), 0);
        assertTrue(q.needsInterrupt());
        assertFalse(q.needsInterrupt(), "nothing new since the last interrupt");
        drv.setAvailFlags(Virtqueue.AVAIL_F_NO_INTERRUPT);
        drv.chain(new byte[][] {{1}});
        q.push(q.pop().head(), 0);
        assertFalse(q.needsInterrupt());
    }

    @Test
    void eventIdxDecidesInterruptsAndPublishesAvailEvent() {
        q.setFeatures(false, true);
        drv.setUsedEvent(1);   // the driver wants an interrupt once used idx passes 1
        drv.chain(new byte[][] {{1}});
        drv.chain(new byte[][] {{2}});
        q.push(q.pop().head(), 0);
        assertEquals(1, drv.availEvent(), "device asks to be notified after entry 1");
        assertFalse(q.needsInterrupt(), "used idx 1 has not passed used_event 1");
        q.push(q.pop().head(), 0);
        assertEquals(2, drv.availEvent());
        assertTrue(q.needsInterrupt(), "used idx 2 passed used_event 1");
    }

    /** Without EVENT_IDX: VRING_USED_F_NO_NOTIFY while the device serves; the index read after re-arming tells what came meanwhile. */
    @Test
    void noNotifyFlagWhileTheDeviceServes() {
        drv.chain(new byte[][] {{1}});
        assertEquals(1, q.disableNotifications(), "the avail index as it stands");
        assertEquals(Virtqueue.USED_F_NO_NOTIFY, drv.usedFlags());
        q.push(q.pop().head(), 0);
        drv.chain(new byte[][] {{2}});   // added while quiet: the driver does not notify
        assertEquals(2, q.enableNotifications(), "the index moved: the caller serves again");
        assertEquals(0, drv.usedFlags(), "notifications wanted again");
        assertNotNull(q.pop());
    }

    /** With EVENT_IDX: avail_event stays where it was while quiet (one notification at most), then points at the next buffer. */
    @Test
    void eventIdxLeavesAvailEventBehindWhileQuiet() {
        q.setFeatures(false, true);
        drv.chain(new byte[][] {{1}});
        q.pop();
        assertEquals(1, drv.availEvent());
        q.disableNotifications();
        assertEquals(0, drv.usedFlags(), "EVENT_IDX uses avail_event, not the flag");
        drv.chain(new byte[][] {{2}});
        drv.chain(new byte[][] {{3}});
        q.pop();
        q.pop();
        assertEquals(1, drv.availEvent(), "not moved while the device serves");
        assertEquals(3, q.enableNotifications());
        assertEquals(3, drv.availEvent(), "notify when entry 3 is added");
    }

    @Test
    void resetEndsQuiet() {
        q.setFeatures(false, true);
        q.disableNotifications();
        q.reset();
        assertEquals(-1, q.disableNotifications(), "an inactive queue");
        assertEquals(-1, q.enableNotifications());
        drv.configure(q);
        q.setFeatures(false, true);
        q.activate();
        drv.chain(new byte[][] {{1}});
        q.pop();
        assertEquals(1, drv.availEvent(), "after a reset, pops publish avail_event again");
    }

    @Test
    void indexWrapsAround() {
        for (int i = 0; i < 70000; i += 1) {
            drv.chain(new byte[][] {{(byte) i}});
            Chain c = q.pop();
            assertNotNull(c, "entry " + i);
            q.push(c.head(), 0);
            drv.dataTop = 0x100000;
        }
        assertEquals(70000 & 0xFFFF, drv.usedIdx());
    }

    @Test
    void resetStopsUseOfTheRings() {
        drv.chain(new byte[][] {{1}});
        Chain c = q.pop();
        q.reset();
        q.push(c.head(), 1);
        assertEquals(0, drv.usedIdx(), "no write into a ring after reset");
        assertNull(q.pop());
    }
}
