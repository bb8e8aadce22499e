package org.jhyve.devices.pci;

import org.jhyve.bus.Bus;
import org.jhyve.config.ConfigException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * bhyve's BAR assignment, run once after every device exists: per bus, the BARs largest first
 * (equal sizes in device order), each aligned to its size; I/O from 0x2000 below 0x10000, 32-bit
 * memory in 0xC0000000-0xE0000000, 64-bit memory from the first 32 GiB boundary above high RAM
 * (32 GiB of room) except 64-bit BARs of 128 MiB or less, which go into the 32-bit window. After
 * each bus the cursors advance by some slop (32 ports, 1 MiB, 512 MiB) so guests can re-program.
 * Addresses already claimed on the buses (ISA devices such as pc-testdev's ports at 0x2000) are
 * skipped.
 */
public final class BarAllocator {
    public static final long IO_BASE = 0x2000, IO_LIMIT = 0x10000;
    public static final long MEM32_BASE = 0xC000_0000L, MEM32_LIMIT = 0xE000_0000L;
    public static final long MEM64_WINDOW = 32L << 30;
    public static final long SMALL_MEM64 = 128L << 20;
    private static final long FOUR_GIB = 1L << 32;
    private static final long IO_SLOP = 32, MEM32_SLOP = 1L << 20, MEM64_SLOP = 512L << 20;

    private final Bus pio, mmio;
    private long io = IO_BASE, mem32 = MEM32_BASE, mem64;
    private final long mem64Limit;

    /** highMemSize: guest RAM above 4 GiB in bytes. */
    public BarAllocator(Bus pio, Bus mmio, long highMemSize) {
        this.pio = pio;
        this.mmio = mmio;
        this.mem64 = roundUp(FOUR_GIB + highMemSize, MEM64_WINDOW);
        this.mem64Limit = mem64 + MEM64_WINDOW;
    }

    private record Request(PciDevice device, Bar bar) { }

    /** A class, not Comparator.comparingLong(...).reversed(): that spins lambda classes at every start. */
    private static final Comparator<Request> LARGEST_FIRST = new Comparator<>() {
        @Override
        public int compare(Request a, Request b) { return Long.compare(b.bar().size(), a.bar().size()); }
    };

    /** Assigns the BARs of one bus's devices (given in slot/function order) and returns its windows. */
    public BusWindows assignBus(int bus, List<PciDevice> devices) {
        long ioStart = io, mem32Start = mem32, mem64Start = mem64;
        List<Request> requests = new ArrayList<>();
        for (PciDevice d : devices) for (Bar b : d.bars()) requests.add(new Request(d, b));
        // List.sort is stable: equal sizes keep device order, as bhyve's insertion does.
        requests.sort(LARGEST_FIRST);
        for (Request r : requests) {
            Bar b = r.bar();
            long addr = switch (b.kind()) {
                case IO -> io = place(r, pio, io, IO_LIMIT);
                case MEM32 -> mem32 = place(r, mmio, mem32, MEM32_LIMIT);
                case MEM64 -> b.size() > SMALL_MEM64
                        ? (mem64 = place(r, mmio, mem64, mem64Limit))
                        : (mem32 = place(r, mmio, mem32, MEM32_LIMIT));
            };
            r.device().assignBar(b.index(), addr - b.size());
        }
        io = roundUp(io + IO_SLOP, IO_SLOP);
        mem32 = roundUp(mem32 + MEM32_SLOP, MEM32_SLOP);
        mem64 = roundUp(mem64 + MEM64_SLOP, MEM64_SLOP);
        return new BusWindows(bus, ioStart, io, mem32Start, mem32, mem64Start, mem64);
    }

    /** Finds room for r at or above cursor; returns the new cursor (end of the BAR). */
    private static long place(Request r, Bus bus, long cursor, long limit) {
        long size = r.bar().size();
        long addr = roundUp(cursor, size);
        for (Bus.Range clash = firstClash(bus, addr, size); clash != null; clash = firstClash(bus, addr, size)) {
            addr = roundUp(clash.end(), size);
        }
        if (addr + size > limit || addr + size < addr) {
            throw new ConfigException(String.format("%s: no room for BAR %d (0x%x bytes, %s) below 0x%x",
                    r.device(), r.bar().index(), size, r.bar().kind(), limit));
        }
        return addr + size;
    }

    private static Bus.Range firstClash(Bus bus, long addr, long size) {
        for (Bus.Range range : bus.ranges()) {
            if (range.base() < addr + size && range.end() > addr) return range;
        }
        return null;
    }

    private static long roundUp(long v, long align) { return (v + align - 1) & -align; }
}
