package org.jhyve.devices.pci;

import org.jhyve.bus.Bus;
import org.jhyve.bus.IoDevice;
import org.jhyve.bus.IrqLine;

import java.util.ArrayList;
import java.util.List;

import static org.jhyve.devices.pci.PciConfigSpace.*;

/**
 * One PCI function: its configuration space, its BARs (placed on the port-I/O or MMIO bus while
 * the command register enables their decoding) and its INTx pin. Subclasses declare BARs and the
 * pin in their constructor, serve BAR accesses through {@link #barRead}/{@link #barWrite} and may
 * intercept configuration registers of their own through {@link #configRead}/{@link #configWrite}.
 * Configuration accesses are serialized on the device.
 */
public abstract class PciDevice {
    /** Looked up per message, not at class load: the first lookup loads the logging back end. */
    private static System.Logger log() { return System.getLogger("org.jhyve.devices.pci"); }

    private final String name;
    protected final PciConfigSpace config;
    private final BarState[] bars = new BarState[6];
    private final boolean[] upperHalf = new boolean[6];
    private int intxPin;               // 0 none, 1..4 = INTA..INTD
    private boolean intxRequested;     // the device wants an interrupt
    private boolean intxDriven;        // the level the device puts on its shared line
    private IrqLine intxLine;
    private Bus pio, mmio;
    private int bus = -1, slot, function;

    private final class BarState implements IoDevice {
        final int index;
        final BarKind kind;
        final boolean prefetchable;
        final long size;
        long address;
        long mappedAt = -1;

        BarState(int index, BarKind kind, boolean prefetchable, long size) {
            this.index = index;
            this.kind = kind;
            this.prefetchable = prefetchable;
            this.size = size;
        }

        @Override public long read(long offset, int size) { return barRead(index, offset, size); }

        @Override public void write(long offset, int size, long value) { barWrite(index, offset, size, value); }

        Bar snapshot() { return new Bar(index, kind, prefetchable, size, address, mappedAt); }

        int lowBits() { return kind.typeBits | (prefetchable ? 0x8 : 0); }
    }

    protected PciDevice(String name, PciConfigSpace config) {
        this.name = name;
        this.config = config;
    }

    public final String name() { return name; }

    public final PciConfigSpace config() { return config; }

    public final int bus() { return bus; }

    public final int slot() { return slot; }

    public final int function() { return function; }

    /** "name@pci.B.S.F" as bhyve names device instances. */
    @Override
    public String toString() { return name + "@pci." + bus + "." + slot + "." + function; }

    // ---- declarations (constructor time) ----

    /**
     * Declares a BAR. The size is rounded up to a power of two and to the PCI minimum (4 bytes for
     * I/O, 16 for memory); a 64-bit BAR also takes register index + 1.
     */
    protected final void declareBar(int index, BarKind kind, boolean prefetchable, long size) {
        if (bus >= 0) throw new IllegalStateException(name + ": BARs must be declared before the device is attached");
        int last = kind == BarKind.MEM64 ? index + 1 : index;
        int maxIndex = config.headerType() == 0 ? 5 : 1;
        if (index < 0 || last > maxIndex) throw new IllegalArgumentException(name + ": invalid BAR index " + index + " for " + kind);
        if (bars[index] != null || upperHalf[index] || bars[last] != null || upperHalf[last]) {
            throw new IllegalArgumentException(name + ": BAR " + index + " declared twice");
        }
        if (prefetchable && kind == BarKind.IO) throw new IllegalArgumentException(name + ": an I/O BAR cannot be prefetchable");
        if (size <= 0) throw new IllegalArgumentException(name + ": invalid size " + size + " for BAR " + index);
        long s = Math.max(kind.minSize, Long.highestOneBit(size) == size ? size : Long.highestOneBit(size) << 1);
        if (kind == BarKind.IO && s > 0x10000 || kind == BarKind.MEM32 && s > 0x80000000L) {
            throw new IllegalArgumentException(String.format("%s: BAR %d of 0x%x bytes is too large for %s", name, index, s, kind));
        }
        BarState b = new BarState(index, kind, prefetchable, s);
        bars[index] = b;
        if (kind == BarKind.MEM64) upperHalf[index + 1] = true;
        writeBarRegisters(b);
    }

    /** Declares the INTx pin (1 = INTA .. 4 = INTD) this function raises. */
    protected final void declareIntxPin(int pin) {
        if (pin < 1 || pin > 4) throw new IllegalArgumentException(name + ": invalid INTx pin " + pin);
        intxPin = pin;
        config.set8(INT_PIN, pin);
    }

    public final int intxPin() { return intxPin; }

    // ---- hooks for subclasses ----

    /** A guest read of a BAR region; offset is relative to the BAR's base. */
    protected long barRead(int bar, long offset, int size) {
        throw new IllegalStateException(this + ": BAR " + bar + " has no read handler");
    }

    /** A guest write to a BAR region. */
    protected void barWrite(int bar, long offset, int size, long value) {
        throw new IllegalStateException(this + ": BAR " + bar + " has no write handler");
    }

    /** Called after a BAR moved on its bus (base -1 = no longer decoded), e.g. to move a memory slot. */
    protected void barMoved(int bar, long oldBase, long newBase) { }

    /** A configuration read the device may compute itself; the default reads the stored bytes. */
    protected int configRead(int offset, int size) { return config.read(offset, size); }

    /**
     * A configuration write outside the BARs and the command register. The default applies the
     * read/write masks; devices with side effects (capabilities, bridge registers) override it.
     */
    protected void configWrite(int offset, int size, int value) { config.guestWrite(offset, size, value); }

    /** Whether INTx may reach the line now; devices with MSI/MSI-X enabled extend this. */
    protected boolean intxPermitted() { return (config.get16(COMMAND) & CMD_INTX_DISABLE) == 0; }

    // ---- interrupts ----

    /** Raises (true) or drops (false) the function's INTx request; level-triggered. */
    protected final synchronized void setIntx(boolean asserted) {
        if (intxPin == 0) throw new IllegalStateException(this + ": no INTx pin declared");
        intxRequested = asserted;
        intxUpdate();
    }

    /** Re-evaluates whether the INTx request reaches the line (after INTx disable or MSI changes). */
    protected final synchronized void intxUpdate() {
        int status = config.get16(STATUS);
        config.set16(STATUS, intxRequested ? status | STATUS_INTX : status & ~STATUS_INTX);
        boolean level = intxRequested && intxPermitted();
        if (level != intxDriven && intxLine != null) {
            intxDriven = level;
            intxLine.set(level);
        }
    }

    // ---- attachment and configuration access (called by PciRoot) ----

    synchronized void attach(int bus, int slot, int function, Bus pio, Bus mmio, IrqLine intx, int intLine) {
        if (this.bus >= 0) throw new IllegalStateException(this + " is already attached");
        this.bus = bus;
        this.slot = slot;
        this.function = function;
        this.pio = pio;
        this.mmio = mmio;
        this.intxLine = intx;
        if (intxPin != 0) config.set8(INT_LINE, intLine);
    }

    /** A guest configuration read; offset aligned to size (the root checks). */
    public final synchronized int readConfig(int offset, int size) { return configRead(offset, size); }

    /** A guest configuration write; offset aligned to size (the root checks). */
    public final synchronized void writeConfig(int offset, int size, int value) {
        int barBytes = config.headerType() == 0 ? 24 : 8;   // a bridge header has two BARs
        if (offset >= BAR0 && offset < BAR0 + barBytes) {
            // As bhyve: only whole, aligned dword writes reach a BAR register.
            if (size == 4) writeBar((offset - BAR0) / 4, value);
            return;
        }
        if (offset < COMMAND + 2 && offset + size > COMMAND) {
            int oldCommand = config.get16(COMMAND);
            configWrite(offset, size, value);
            commandChanged(oldCommand);
            return;
        }
        configWrite(offset, size, value);
    }

    /** The BARs as declared, with their current addresses. */
    public final synchronized List<Bar> bars() {
        List<Bar> out = new ArrayList<>();
        for (BarState b : bars) if (b != null) out.add(b.snapshot());
        return out;
    }

    /** Gives a BAR its address at start-up (BAR assignment) and maps it when decoding is on. */
    final synchronized void assignBar(int index, long address) {
        BarState b = bars[index];
        b.address = address;
        writeBarRegisters(b);
        updateMapping(b);
    }

    /** Turns on I/O and memory decoding (and bus mastering), as bhyve does when no boot ROM runs. */
    final synchronized void enableDecoding() {
        int old = config.get16(COMMAND);
        int cmd = old | CMD_BUS_MASTER;
        for (BarState b : bars) {
            if (b != null) cmd |= b.kind == BarKind.IO ? CMD_IO : CMD_MEMORY;
        }
        config.set16(COMMAND, cmd);
        commandChanged(old);
    }

    private void writeBar(int index, int value) {
        if (upperHalf[index]) {
            BarState b = bars[index - 1];
            long mask = ~(b.size - 1);
            long high = ((long) value << 32) & mask;
            b.address = (b.address & 0xFFFFFFFFL) | high;
            writeBarRegisters(b);
            updateMapping(b);
            return;
        }
        BarState b = bars[index];
        if (b == null) return;   // unimplemented BAR: reads 0, writes ignored
        long low = (value & 0xFFFFFFFFL) & ~(b.size - 1) & 0xFFFFFFFFL;
        if (b.kind == BarKind.MEM64) {
            b.address = (b.address & 0xFFFFFFFF00000000L) | low;
        } else {
            b.address = low;
        }
        writeBarRegisters(b);
        updateMapping(b);
    }

    private void writeBarRegisters(BarState b) {
        long reg = (b.address & ~(b.size - 1)) | b.lowBits();
        config.set32(BAR0 + 4 * b.index, (int) reg);
        if (b.kind == BarKind.MEM64) config.set32(BAR0 + 4 * (b.index + 1), (int) (reg >>> 32));
    }

    private void commandChanged(int oldCommand) {
        int changed = oldCommand ^ config.get16(COMMAND);
        if ((changed & (CMD_IO | CMD_MEMORY)) != 0) {
            for (BarState b : bars) if (b != null) updateMapping(b);
        }
        if ((changed & CMD_INTX_DISABLE) != 0) intxUpdate();
    }

    private boolean decodes(BarState b) {
        int cmd = config.get16(COMMAND);
        return (cmd & (b.kind == BarKind.IO ? CMD_IO : CMD_MEMORY)) != 0;
    }

    /**
     * Puts the BAR's region where its register and the command register say. A base of 0, a
     * region that wraps or leaves its address space, or one that would overlap another region
     * (guests sizing BARs with decoding on produce such transient values) stays off the bus.
     */
    private void updateMapping(BarState b) {
        Bus target = b.kind == BarKind.IO ? pio : mmio;
        if (target == null) return;   // not attached yet
        long want = -1;
        if (decodes(b) && b.address != 0) {
            long limit = b.kind == BarKind.IO ? 0x10000L : b.kind == BarKind.MEM32 ? 0x1_0000_0000L : Long.MAX_VALUE;
            if (Long.compareUnsigned(b.address, limit - b.size) <= 0) want = b.address;
        }
        if (want == b.mappedAt) return;
        long old = b.mappedAt;
        if (old >= 0) {
            target.unregister(old, b);
            b.mappedAt = -1;
        }
        if (want >= 0) {
            try {
                target.register(want, b.size, b, this + " BAR" + b.index);
                b.mappedAt = want;
            } catch (IllegalStateException clash) {
                log().log(System.Logger.Level.WARNING, "{0}: BAR {1} not decoded at 0x{2}: {3}",
                        this, b.index, Long.toHexString(want), clash.getMessage());
            }
        }
        if (old != b.mappedAt) barMoved(b.index, old, b.mappedAt);
    }
}
