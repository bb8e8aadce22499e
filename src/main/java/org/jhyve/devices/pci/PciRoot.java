package org.jhyve.devices.pci;

import org.jhyve.bus.Bus;
import org.jhyve.bus.IoDevice;
import org.jhyve.bus.IrqLine;
import org.jhyve.devices.SharedIrqLine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * bhyve's flat PCI hierarchy: up to 256 root buses of 32 slots and 8 functions, reached through
 * configuration mechanism #1 (ports 0xCF8/0xCFC) and the ECAM window at 0xE0000000. Functions that
 * do not exist read all-ones; unaligned accesses read all-ones and are dropped, as in bhyve.
 * INTx of slot S, pin P (0 = INTA) is wired to GSI 16 + ((S + P) % 8), level-triggered.
 */
public final class PciRoot {
    public static final int CONFIG_ADDRESS = 0xCF8, CONFIG_DATA = 0xCFC;
    public static final long ECAM_BASE = 0xE000_0000L, ECAM_SIZE = 0x1000_0000L;
    public static final int FIRST_INTX_GSI = 16;

    private final Bus pio, mmio;
    private final IntFunction<IrqLine> gsi;
    private final PirqRouter pirq;
    private final SharedIrqLine[] intx = new SharedIrqLine[8];
    private final TreeMap<Integer, PciDevice> devices = new TreeMap<>();   // key: bus << 8 | slot << 3 | func
    private final List<BusWindows> windows = new ArrayList<>();
    private final ConfigAddressPort addressPort = new ConfigAddressPort();
    private final ConfigDataPort dataPort = new ConfigDataPort();
    private final Ecam ecam = new Ecam();

    public PciRoot(Bus pio, Bus mmio, IntFunction<IrqLine> gsi) {
        this.pio = pio;
        this.mmio = mmio;
        this.gsi = gsi;
        this.pirq = new PirqRouter(gsi);
    }

    /** The GSI that INTx pin (1 = INTA .. 4 = INTD) of a device in slot reaches. */
    public static int intxGsi(int slot, int pin) { return FIRST_INTX_GSI + (slot + pin - 1) % 8; }

    public PirqRouter pirq() { return pirq; }

    /** Places a device; its INTx pin, if any, is wired and written into the interrupt line register. */
    public synchronized void add(int bus, int slot, int function, PciDevice device) {
        if (bus < 0 || bus > 255 || slot < 0 || slot > 31 || function < 0 || function > 7) {
            throw new IllegalArgumentException("invalid PCI address " + bus + ":" + slot + ":" + function);
        }
        int key = key(bus, slot, function);
        if (devices.containsKey(key)) {
            throw new IllegalStateException("pci " + bus + ":" + slot + ":" + function + " is already taken by " + devices.get(key));
        }
        IrqLine line = null;
        int intLine = 0xFF;
        if (device.intxPin() != 0) {
            intLine = intxGsi(slot, device.intxPin());
            int n = intLine - FIRST_INTX_GSI;
            if (intx[n] == null) intx[n] = new SharedIrqLine(gsi.apply(intLine), level -> pirq.levelChanged(n, level));
            line = intx[n].member();
        }
        device.attach(bus, slot, function, pio, mmio, line, intLine);
        devices.put(key, device);
    }

    public synchronized PciDevice device(int bus, int slot, int function) {
        return devices.get(key(bus, slot, function));
    }

    /** Every device, in bus/slot/function order. */
    public synchronized List<PciDevice> devices() { return List.copyOf(devices.values()); }

    /** The buses that have at least one device, ascending. */
    public synchronized List<Integer> busNumbers() {
        List<Integer> out = new ArrayList<>();
        for (int k : devices.keySet()) if (out.isEmpty() || out.getLast() != k >> 8) out.add(k >> 8);
        return out;
    }

    /** Registers 0xCF8 (dword accesses only), 0xCFC-0xCFF and the ECAM window. 0xCF9 stays free for the reset register. */
    public void registerConfigAccess() {
        pio.register(CONFIG_ADDRESS, 1, addressPort, "pci config address");
        pio.register(CONFIG_DATA, 4, dataPort, "pci config data");
        mmio.register(ECAM_BASE, ECAM_SIZE, ecam, "pci ecam");
    }

    public IoDevice configAddressPort() { return addressPort; }

    public IoDevice configDataPort() { return dataPort; }

    public IoDevice ecam() { return ecam; }

    /**
     * Assigns every BAR (bhyve's rules, see {@link BarAllocator}) and, when enableDecoding is set
     * (no boot ROM will do it), turns on decoding and bus mastering so the regions appear at once.
     */
    public synchronized List<BusWindows> assignBars(long highMemSize, boolean enableDecoding) {
        if (!windows.isEmpty()) throw new IllegalStateException("BARs are already assigned");
        BarAllocator alloc = new BarAllocator(pio, mmio, highMemSize);
        if (enableDecoding) devices.values().forEach(PciDevice::enableDecoding);
        for (int bus : busNumbers()) {
            List<PciDevice> onBus = new ArrayList<>(devices.subMap(bus << 8, (bus + 1) << 8).values());
            windows.add(alloc.assignBus(bus, onBus));
        }
        return windows();
    }

    /** The windows of each populated bus, after {@link #assignBars}. */
    public synchronized List<BusWindows> windows() { return Collections.unmodifiableList(new ArrayList<>(windows)); }

    // ---- configuration access ----

    /** A configuration read; size 1, 2 or 4. */
    public int readConfig(int bus, int slot, int function, int offset, int size) {
        PciDevice d = device(bus, slot, function);
        if (d == null || !sane(offset, size)) return allOnes(size);
        int v = d.readConfig(offset, size);
        if (offset <= PciConfigSpace.HEADER_TYPE && offset + size > PciConfigSpace.HEADER_TYPE) {
            // The multifunction bit says whether the slot holds more than one function.
            int bit = 0x80 << 8 * (PciConfigSpace.HEADER_TYPE - offset);
            v = isMultifunction(bus, slot) ? v | bit : v & ~bit;
        }
        return size == 4 ? v : v & (int) ((1L << 8 * size) - 1);
    }

    public void writeConfig(int bus, int slot, int function, int offset, int size, int value) {
        PciDevice d = device(bus, slot, function);
        if (d == null || !sane(offset, size)) return;
        d.writeConfig(offset, size, value);
    }

    private synchronized boolean isMultifunction(int bus, int slot) {
        int base = key(bus, slot, 0);
        return devices.subMap(base, base + 8).size() > 1;
    }

    private static boolean sane(int offset, int size) {
        return (size == 1 || size == 2 || size == 4) && (offset & (size - 1)) == 0
                && offset >= 0 && offset + size <= PciConfigSpace.SIZE;
    }

    private static int allOnes(int size) { return size == 4 ? -1 : (1 << 8 * size) - 1; }

    private static int key(int bus, int slot, int function) { return bus << 8 | slot << 3 | function; }

    /** Port 0xCF8: the address latch. Only dword accesses reach it, as on real chipsets. */
    private final class ConfigAddressPort implements IoDevice {
        private volatile int latch;

        @Override
        public long read(long offset, int size) {
            if (size != 4) return size == 2 ? 0xFFFF : 0xFF;
            return latch & 0x80FF_FFFCL;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (size == 4) latch = (int) value;
        }
    }

    /** Ports 0xCFC-0xCFF: the data window into the function the latch selects. */
    private final class ConfigDataPort implements IoDevice {
        @Override
        public long read(long offset, int size) {
            int a = addressPort.latch;
            if (a >= 0 || offset + size > 4) return allOnes(Math.min(size, 4)) & 0xFFFFFFFFL;
            return readConfig((a >> 16) & 0xFF, (a >> 11) & 0x1F, (a >> 8) & 7, (a & 0xFC) + (int) offset, size) & 0xFFFFFFFFL;
        }

        @Override
        public void write(long offset, int size, long value) {
            int a = addressPort.latch;
            if (a >= 0 || offset + size > 4) return;
            writeConfig((a >> 16) & 0xFF, (a >> 11) & 0x1F, (a >> 8) & 7, (a & 0xFC) + (int) offset, size, (int) value);
        }
    }

    /** The ECAM window: bus in bits 27-20, slot 19-15, function 14-12, register 11-0. */
    private final class Ecam implements IoDevice {
        @Override
        public long read(long offset, int size) {
            if (size > 4) return -1L;
            return readConfig((int) (offset >> 20) & 0xFF, (int) (offset >> 15) & 0x1F, (int) (offset >> 12) & 7,
                    (int) offset & 0xFFF, size) & 0xFFFFFFFFL;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (size > 4) return;
            writeConfig((int) (offset >> 20) & 0xFF, (int) (offset >> 15) & 0x1F, (int) (offset >> 12) & 7,
                    (int) offset & 0xFFF, size, (int) value);
        }
    }
}
