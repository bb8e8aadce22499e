package org.jhyve.devices.virtio;

import org.jhyve.bus.Bus;
import org.jhyve.config.ConfigTree;
import org.jhyve.devices.DeviceContext;
import org.jhyve.devices.Fakes;
import org.jhyve.devices.HostHooks;
import org.jhyve.devices.pci.Bar;
import org.jhyve.devices.pci.PciRoot;
import org.jhyve.vm.GuestMemory;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.jhyve.devices.virtio.VirtioPci.*;

/**
 * A virtio device on plain Java buses with fake guest memory, driven the way a guest driver
 * drives it: through its BARs and configuration space (modern or legacy interface). MSI
 * messages are recorded; INTx is a recording wire.
 */
final class Harness implements AutoCloseable {
    static final int SLOT = 4;

    final Arena arena = Arena.ofShared();
    final GuestMemory mem = GuestMemory.wrap(arena.allocate(FakeDriver.RAM, 4096));
    final Bus pio = Fakes.bus("pio"), mmio = Fakes.bus("mmio");
    final Fakes.Irqs irqs = new Fakes.Irqs();
    final List<long[]> msis = new ArrayList<>();
    final PciRoot root = new PciRoot(pio, mmio, irqs);
    final VirtioPci dev;
    final long legacy, modern, msixBar;

    Harness(ConfigTree config, Function<DeviceContext, VirtioPci> factory) {
        HostHooks hooks = HostHooks.plainJava();
        DeviceContext ctx = new DeviceContext(config, "pci.0." + SLOT + ".0", pio, mmio, irqs, (a, d) -> {
            synchronized (msis) {
                msis.add(new long[] {a, d});
                msis.notifyAll();
            }
        }, new Fakes.Vm(), FakeDriver.RAM, 0, hooks, root, mem, null);
        dev = factory.apply(ctx);
        root.add(0, SLOT, 0, dev);
        root.assignBars(0, true);
        long l = -1, m = -1, x = -1;
        for (Bar b : dev.bars()) {
            if (b.index() == LEGACY_BAR) l = b.mappedAt();
            if (b.index() == MODERN_BAR) m = b.mappedAt();
            if (b.index() == MSIX_BAR) x = b.mappedAt();
        }
        legacy = l;
        modern = m;
        msixBar = x;
    }

    static ConfigTree config(String... kv) {
        ConfigTree t = new ConfigTree();
        for (int i = 0; i < kv.length; i += 2) t.set(kv[i], kv[i + 1]);
        return t;
    }

    Fakes.Irq intx() { return irqs.apply(PciRoot.intxGsi(SLOT, 1)); }

    int cfgRead(int off, int size) { return root.readConfig(0, SLOT, 0, off, size); }

    void cfgWrite(int off, int size, int v) { root.writeConfig(0, SLOT, 0, off, size, v); }

    long common(int off, int size) { return mmio.read(modern + COMMON_OFFSET + off, size); }

    void common(int off, int size, long v) { mmio.write(modern + COMMON_OFFSET + off, size, v); }

    long deviceConfig(int off, int size) { return mmio.read(modern + DEVICE_OFFSET + off, size); }

    int status() { return (int) common(0x14, 1); }

    /** The modern handshake up to FEATURES_OK, accepting the device's features masked by want. */
    long negotiate(long want) {
        common(0x14, 1, 0);
        common(0x14, 1, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        common(0x00, 4, 0);
        long f = common(0x04, 4);
        common(0x00, 4, 1);
        f |= common(0x04, 4) << 32;
        long accept = f & want;
        common(0x08, 4, 0);
        common(0x0C, 4, accept & 0xFFFF_FFFFL);
        common(0x08, 4, 1);
        common(0x0C, 4, accept >>> 32);
        common(0x14, 1, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        return accept;
    }

    /** Sets up queue q at the driver's layout (modern) with an MSI-X vector (or none). */
    void queue(int q, FakeDriver d, int vector) {
        common(0x16, 2, q);
        common(0x18, 2, d.size);
        common(0x1A, 2, vector);
        common(0x20, 8, d.desc);
        common(0x28, 4, d.avail);
        common(0x2C, 4, 0);
        common(0x30, 8, d.used);
        common(0x1C, 2, 1);
    }

    void driverOk() {
        common(0x14, 1, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    }

    void notify(int q) { mmio.write(modern + NOTIFY_OFFSET + (long) NOTIFY_MULTIPLIER * q, 2, q); }

    /** Enables MSI-X and programs vector v to message (0xFEE00000, 0x40 + v), unmasked. */
    void enableMsix(int vectors) {
        int cap = dev.config().findCapability(CAP_MSIX);
        cfgWrite(cap + 2, 2, 0x8000);
        for (int v = 0; v < vectors; v++) {
            mmio.write(msixBar + 16L * v, 4, 0xFEE00000L);
            mmio.write(msixBar + 16L * v + 4, 4, 0);
            mmio.write(msixBar + 16L * v + 8, 4, 0x40 + v);
            mmio.write(msixBar + 16L * v + 12, 4, 0);
        }
    }

    int msiCount() { synchronized (msis) { return msis.size(); } }

    /** Waits until the used index of d reaches n (the device thread works asynchronously). */
    static void awaitUsed(FakeDriver d, int n) { awaitValue(d::usedIdx, n, "used index"); }

    /**
     * Waits until value reads expected. For a field the device thread may touch in passing: the
     * notification that DRIVER_OK sends every queue is served whenever that thread gets to it,
     * and a receive queue's drain then turns notifications off and on again around its look.
     */
    static void awaitValue(java.util.function.IntSupplier value, int expected, String what) {
        long end = System.nanoTime() + 5_000_000_000L;
        int v;
        while ((v = value.getAsInt()) != expected) {
            if (System.nanoTime() > end) throw new AssertionError(what + ": stayed " + v + ", expected " + expected);
            try { Thread.sleep(1); } catch (InterruptedException e) { throw new AssertionError(e); }
        }
    }

    /** Waits until the device reports NEEDS_RESET. */
    void awaitNeedsReset() {
        long end = System.nanoTime() + 5_000_000_000L;
        while ((dev.status() & STATUS_NEEDS_RESET) == 0) {
            if (System.nanoTime() > end) throw new AssertionError("device never asked for a reset");
            try { Thread.sleep(1); } catch (InterruptedException e) { throw new AssertionError(e); }
        }
    }

    @Override
    public void close() {
        dev.close();
        arena.close();
    }
}
