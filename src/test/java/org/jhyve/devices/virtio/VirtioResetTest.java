package org.jhyve.devices.virtio;

import org.jhyve.devices.block.BlockBackend;
import org.jhyve.devices.pci.PciConfigSpace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.jhyve.devices.virtio.VirtioPci.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Reset while requests are in flight, from every path a guest has: the legacy status register,
 * the modern one, and the PCI-config window (VIRTIO_PCI_CAP_PCI_CFG), where the vCPU already
 * holds the PCI function's lock. The reset waits for the request, the request's completion
 * interrupt must not need a lock the resetting thread holds.
 */
class VirtioResetTest {
    private Harness h;

    @AfterEach
    void close() { if (h != null) h.close(); }

    /** A disk whose reads wait until released; everything else succeeds at once. */
    static final class GatedDisk implements BlockBackend {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override public long size() { return 1 << 20; }
        @Override public boolean readOnly() { return false; }
        @Override public int logicalSectorSize() { return 512; }
        @Override public int physicalSectorSize() { return 512; }
        @Override public boolean canDiscard() { return false; }

        @Override
        public int read(long offset, List<MemorySegment> buffers) {
            entered.countDown();
            try {
                if (!release.await(20, TimeUnit.SECONDS)) return -5;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -4;
            }
            for (MemorySegment b : buffers) b.fill((byte) 0x77);
            return 0;
        }

        @Override public int write(long offset, List<MemorySegment> buffers) { return 0; }
        @Override public int flush() { return 0; }
        @Override public int discard(long offset, long length) { return -95; }
        @Override public int writeZeroes(long offset, long length, boolean unmap) { return 0; }
        @Override public void close() { }
    }

    private static byte[] readHeader() {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(VirtioBlk.T_IN).putInt(0).putLong(0).array();
    }

    /** A modern driver with INTx (no MSI-X), one read in the backend when this returns. */
    private FakeDriver readInFlight(GatedDisk disk) throws Exception {
        h = new Harness(Harness.config("pci.0.4.0.device", "virtio-blk"),
                ctx -> new VirtioPci(new VirtioBlk(disk, "/gated", null), ctx));
        h.negotiate(-1L);
        FakeDriver d = FakeDriver.standard(h.mem, 64);
        h.queue(0, d, NO_VECTOR);
        h.driverOk();
        d.chain(new byte[][] {readHeader()}, 4096, 1);
        h.notify(0);
        assertTrue(disk.entered.await(5, TimeUnit.SECONDS), "the read reached the backend");
        return d;
    }

    private int pciCfgCap() {
        for (int off = h.cfgRead(PciConfigSpace.CAP_PTR, 1); off != 0; off = h.cfgRead(off + 1, 1)) {
            if (h.cfgRead(off, 1) == CAP_VENDOR && h.cfgRead(off + 3, 1) == CFG_PCI) return off;
        }
        throw new AssertionError("no PCI_CFG capability");
    }

    /** Runs reset on a "vCPU" thread, lets the read finish, and checks the reset ends promptly. */
    private void resetDuringRead(GatedDisk disk, FakeDriver d, Runnable reset) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Thread vcpu = Thread.ofPlatform().name("vcpu test").start(() -> {
            reset.run();
            done.countDown();
        });
        Thread.sleep(200);   // the reset is now waiting for the read
        assertEquals(1, done.getCount(), "the reset waits for the request in flight");
        disk.release.countDown();
        assertTrue(done.await(5, TimeUnit.SECONDS), "the reset finished after the request completed (no deadlock)");
        vcpu.join();
        assertEquals(1, d.usedIdx(), "the request completed before the reset");
        assertEquals(0, h.status(), "status reads 0 after the reset");
        Thread.sleep(100);   // a late interrupt from the I/O thread must not leave INTx raised
        assertFalse(h.intx().level, "no INTx after the reset (ISR is clear)");
        assertEquals(0, h.mmio.read(h.modern + ISR_OFFSET, 1));
    }

    @Test
    void resetThroughThePciCfgWindowWhileARequestIsInFlight() throws Exception {
        GatedDisk disk = new GatedDisk();
        FakeDriver d = readInFlight(disk);
        int cap = pciCfgCap();
        h.cfgWrite(cap + 4, 1, MODERN_BAR);
        h.cfgWrite(cap + 8, 4, COMMON_OFFSET + 0x14);
        h.cfgWrite(cap + 12, 4, 1);
        resetDuringRead(disk, d, () -> h.cfgWrite(cap + 16, 4, 0));
    }

    @Test
    void resetThroughTheModernStatusWhileARequestIsInFlight() throws Exception {
        GatedDisk disk = new GatedDisk();
        FakeDriver d = readInFlight(disk);
        resetDuringRead(disk, d, () -> h.common(0x14, 1, 0));
    }

    @Test
    void deviceWorksAgainAfterAResetDuringIo() throws Exception {
        GatedDisk disk = new GatedDisk();
        FakeDriver d = readInFlight(disk);
        int cap = pciCfgCap();
        h.cfgWrite(cap + 4, 1, MODERN_BAR);
        h.cfgWrite(cap + 8, 4, COMMON_OFFSET + 0x14);
        h.cfgWrite(cap + 12, 4, 1);
        resetDuringRead(disk, d, () -> h.cfgWrite(cap + 16, 4, 0));
        h.negotiate(-1L);
        FakeDriver again = new FakeDriver(h.mem, 64, 0x40000, 0x40000 + 16 * 64, 0x41000);
        h.queue(0, again, NO_VECTOR);
        h.driverOk();
        again.chain(new byte[][] {readHeader()}, 512, 1);
        h.notify(0);
        Harness.awaitUsed(again, 1);
        long end = System.nanoTime() + 2_000_000_000L;
        while (!h.intx().level && System.nanoTime() < end) Thread.onSpinWait();
        assertTrue(h.intx().level, "INTx for the new request");
        assertEquals(ISR_QUEUE, h.mmio.read(h.modern + ISR_OFFSET, 1));
        assertFalse(h.intx().level, "reading the ISR drops INTx");
    }
}
