package org.jhyve.devices.virtio;

import org.jhyve.devices.pci.PciConfigSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.jhyve.devices.virtio.VirtioPci.*;
import static org.junit.jupiter.api.Assertions.*;

/** The transport, driven like a guest driver would, with virtio-rnd as the device behind it. */
class VirtioPciTest {
    private Harness h;

    @AfterEach
    void close() { if (h != null) h.close(); }

    private Harness rnd(String... kv) {
        h = new Harness(Harness.config(kv), VirtioRnd::create);
        return h;
    }

    @Test
    void transitionalIdentityAndCapabilities() {
        rnd();
        assertEquals(0x1AF4, h.cfgRead(PciConfigSpace.VENDOR, 2));
        assertEquals(0x1005, h.cfgRead(PciConfigSpace.DEVICE, 2));
        assertEquals(0, h.cfgRead(PciConfigSpace.REVISION, 1));
        assertEquals(VirtioDevice.TYPE_ENTROPY, h.cfgRead(PciConfigSpace.SUBSYS_ID, 2));
        Map<Integer, int[]> caps = new HashMap<>();
        for (int off = h.cfgRead(PciConfigSpace.CAP_PTR, 1); off != 0; off = h.cfgRead(off + 1, 1)) {
            if (h.cfgRead(off, 1) == CAP_VENDOR) {
                caps.put(h.cfgRead(off + 3, 1), new int[] {h.cfgRead(off + 4, 1), h.cfgRead(off + 8, 4), h.cfgRead(off + 12, 4)});
            }
        }
        assertArrayEquals(new int[] {MODERN_BAR, COMMON_OFFSET, COMMON_SIZE}, caps.get(CFG_COMMON));
        assertArrayEquals(new int[] {MODERN_BAR, NOTIFY_OFFSET, 4}, caps.get(CFG_NOTIFY));
        assertArrayEquals(new int[] {MODERN_BAR, ISR_OFFSET, 1}, caps.get(CFG_ISR));
        assertTrue(caps.containsKey(CFG_DEVICE));
        assertTrue(caps.containsKey(CFG_PCI));
        assertNotEquals(0, h.dev.config().findCapability(CAP_MSIX));
        assertEquals(0, h.dev.config().findCapability(CAP_MSI));
        assertTrue(h.legacy > 0 && h.modern > 0 && h.msixBar > 0);
    }

    @Test
    void modernDriverMustAcceptVersion1() {
        rnd();
        long got = h.negotiate(~(1L << F_VERSION_1));
        assertEquals(0, got & 1L << F_VERSION_1);
        assertEquals(0, h.status() & STATUS_FEATURES_OK, "FEATURES_OK refused without VERSION_1");
        long ok = h.negotiate(-1L);
        assertNotEquals(0, ok & 1L << F_VERSION_1);
        assertNotEquals(0, ok & 1L << F_EVENT_IDX);
        assertNotEquals(0, ok & 1L << F_INDIRECT_DESC);
        assertNotEquals(0, h.status() & STATUS_FEATURES_OK);
    }

    @Test
    void modernQueueWithMsixFillsBuffersWithRandomBytes() {
        rnd();
        h.negotiate(-1L);
        h.enableMsix(2);
        FakeDriver d = FakeDriver.standard(h.mem, 16);
        h.queue(0, d, 1);
        assertEquals(1, h.common(0x12, 2), "num_queues");
        assertEquals(1, h.common(0x1C, 2), "queue enabled");
        h.driverOk();
        d.chain(new byte[][] {}, 64);
        h.notify(0);
        Harness.awaitUsed(d, 1);
        assertEquals(64, d.usedElem(0)[1]);
        byte[] got = h.mem.read(0x100000, 64);
        int same = 0;
        for (byte b : got) if (b == (byte) 0xEE) same++;
        assertTrue(same < 8, "buffer was filled with random bytes");
        long end = System.nanoTime() + 2_000_000_000L;
        while (h.msiCount() == 0 && System.nanoTime() < end) Thread.onSpinWait();
        assertEquals(0x41, h.msis.getFirst()[1], "queue 0 raised its vector 1");
        assertFalse(h.intx().level, "no INTx while MSI-X is on");
    }

    @Test
    void maskedVectorIsPendingUntilUnmasked() throws Exception {
        rnd();
        h.negotiate(-1L);
        h.enableMsix(2);
        h.mmio.write(h.msixBar + 16 + 12, 4, 1);   // mask vector 1
        FakeDriver d = FakeDriver.standard(h.mem, 16);
        h.queue(0, d, 1);
        h.driverOk();
        d.chain(new byte[][] {}, 16);
        h.notify(0);
        Harness.awaitUsed(d, 1);
        Thread.sleep(50);
        assertEquals(0, h.msiCount());
        assertEquals(2, h.mmio.read(h.msixBar + MsixTable.PBA_OFFSET, 8) & 2, "vector 1 pending");
        h.mmio.write(h.msixBar + 16 + 12, 4, 0);
        assertEquals(1, h.msiCount());
        assertEquals(0, h.mmio.read(h.msixBar + MsixTable.PBA_OFFSET, 8));
    }

    @Test
    void legacyInterfaceWithIntx() {
        rnd();
        long host = h.pio.read(h.legacy + L_HOST_FEATURES, 4);
        assertNotEquals(0, host & 1L << F_INDIRECT_DESC);
        h.pio.write(h.legacy + L_STATUS, 1, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        h.pio.write(h.legacy + L_GUEST_FEATURES, 4, host);
        h.pio.write(h.legacy + L_QUEUE_SELECT, 2, 0);
        assertEquals(VirtioRnd.RING_SIZE, h.pio.read(h.legacy + L_QUEUE_SIZE, 2));
        h.pio.write(h.legacy + L_QUEUE_PFN, 4, 0x40);
        assertEquals(0x40, h.pio.read(h.legacy + L_QUEUE_PFN, 4));
        h.pio.write(h.legacy + L_STATUS, 1, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK);
        FakeDriver d = new FakeDriver(h.mem, VirtioRnd.RING_SIZE, 0x40000, 0x40000 + 16 * 64, 0x41000);
        d.chain(new byte[][] {}, 32);
        h.pio.write(h.legacy + L_QUEUE_NOTIFY, 2, 0);
        Harness.awaitUsed(d, 1);
        long end = System.nanoTime() + 2_000_000_000L;
        while (!h.intx().level && System.nanoTime() < end) Thread.onSpinWait();
        assertTrue(h.intx().level, "INTx raised");
        assertEquals(ISR_QUEUE, h.pio.read(h.legacy + L_ISR, 1));
        assertFalse(h.intx().level, "reading the ISR drops INTx");
        assertEquals(0, h.pio.read(h.legacy + L_ISR, 1));
    }

    @Test
    void hostileDescriptorMeansNeedsResetThenResetRecovers() throws Exception {
        rnd();
        h.negotiate(-1L);
        h.enableMsix(2);
        h.common(0x10, 2, 0);   // config vector 0
        FakeDriver d = FakeDriver.standard(h.mem, 16);
        h.queue(0, d, 1);
        h.driverOk();
        d.desc(0, FakeDriver.RAM - 4, 64, Virtqueue.DESC_F_WRITE, 0);
        d.publish(0);
        h.notify(0);
        h.awaitNeedsReset();
        assertNotEquals(0, h.status() & STATUS_NEEDS_RESET);
        long end = System.nanoTime() + 2_000_000_000L;
        while (h.msiCount() == 0 && System.nanoTime() < end) Thread.onSpinWait();
        assertEquals(0x40, h.msis.getFirst()[1], "config-change vector 0");
        int gen = (int) h.common(0x15, 1);
        assertTrue(gen > 0, "config generation moved");
        // more hostile notifications are ignored until reset
        h.notify(0);
        Thread.sleep(30);
        assertEquals(0, d.usedIdx());
        assertEquals(1, h.dev.failures());
        // reset and start over
        h.common(0x14, 1, 0);
        assertEquals(0, h.status());
        FakeDriver d2 = FakeDriver.standard(h.mem, 16);
        h.mem.write(d2.avail, new byte[64]);
        h.mem.write(d2.used, new byte[256]);
        h.negotiate(-1L);
        h.queue(0, d2, 1);
        h.driverOk();
        d2.chain(new byte[][] {}, 8);
        h.notify(0);
        Harness.awaitUsed(d2, 1);
    }

    @Test
    void ringsOutsideRamFailAtEnable() {
        rnd();
        h.negotiate(-1L);
        h.common(0x16, 2, 0);
        h.common(0x20, 8, FakeDriver.RAM + 0x1000);
        h.common(0x1C, 2, 1);
        assertNotEquals(0, h.status() & STATUS_NEEDS_RESET);
        assertEquals(0, h.common(0x1C, 2));
    }

    @Test
    void msiInsteadOfMsixWithW() throws Exception {
        rnd("virtio_msix", "false");
        assertEquals(0, h.dev.config().findCapability(CAP_MSIX));
        int cap = h.dev.config().findCapability(CAP_MSI);
        assertNotEquals(0, cap);
        assertEquals(-1, h.msixBar);
        h.cfgWrite(cap + 4, 4, 0xFEE01000);
        h.cfgWrite(cap + 8, 4, 0);
        h.cfgWrite(cap + 12, 2, 0x55);
        h.cfgWrite(cap + 2, 2, 1);
        h.negotiate(-1L);
        FakeDriver d = FakeDriver.standard(h.mem, 16);
        h.queue(0, d, NO_VECTOR);
        h.driverOk();
        d.chain(new byte[][] {}, 8);
        h.notify(0);
        Harness.awaitUsed(d, 1);
        long end = System.nanoTime() + 2_000_000_000L;
        while (h.msiCount() == 0 && System.nanoTime() < end) Thread.onSpinWait();
        assertArrayEquals(new long[] {0xFEE01000L, 0x55}, h.msis.getFirst());
        assertFalse(h.intx().level);
    }

    @Test
    void pciCfgWindowReachesTheModernRegisters() {
        rnd();
        int cap = -1;
        for (int off = h.cfgRead(PciConfigSpace.CAP_PTR, 1); off != 0; off = h.cfgRead(off + 1, 1)) {
            if (h.cfgRead(off, 1) == CAP_VENDOR && h.cfgRead(off + 3, 1) == CFG_PCI) cap = off;
        }
        h.cfgWrite(cap + 4, 1, MODERN_BAR);
        h.cfgWrite(cap + 8, 4, COMMON_OFFSET + 0x12);
        h.cfgWrite(cap + 12, 4, 2);
        assertEquals(1, h.cfgRead(cap + 16, 4) & 0xFFFF, "num_queues through the window");
        h.cfgWrite(cap + 8, 4, COMMON_OFFSET + 0x14);
        h.cfgWrite(cap + 12, 4, 1);
        h.cfgWrite(cap + 16, 4, STATUS_ACKNOWLEDGE);
        assertEquals(STATUS_ACKNOWLEDGE, h.status());
    }

    @Test
    void vectorBeyondTheTableReadsNoVector() {
        rnd();
        h.common(0x10, 2, 7);
        assertEquals(NO_VECTOR, h.common(0x10, 2));
        h.common(0x10, 2, 1);
        assertEquals(1, h.common(0x10, 2));
    }
}
