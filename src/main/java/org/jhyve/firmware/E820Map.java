package org.jhyve.firmware;

import java.util.ArrayList;
import java.util.List;

/** The guest's memory map, ascending and non-overlapping; the PVH start info and the Linux zero page both carry it. */
public record E820Map(List<E820Entry> entries) {
    public E820Map {
        entries = List.copyOf(entries);
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).address() < entries.get(i - 1).end()) {
                throw new IllegalArgumentException("E820 entries overlap or are unordered: " + entries.get(i - 1)
                        + " and " + entries.get(i));
            }
        }
    }

    /**
     * RAM [0, 640 KiB); reserved [640 KiB, 1 MiB), which holds VGA space and the firmware tables;
     * RAM [1 MiB, low memory end); the ECAM area reserved (Linux checks MCFG against it); RAM
     * above 4 GiB.
     */
    public static E820Map of(PlatformInfo p) {
        List<E820Entry> e = new ArrayList<>();
        e.add(new E820Entry(0, Layout.LOW_RAM_END, E820Entry.Type.RAM));
        e.add(new E820Entry(Layout.LOW_RAM_END, Layout.MIB - Layout.LOW_RAM_END, E820Entry.Type.RESERVED));
        e.add(new E820Entry(Layout.MIB, p.lowMemory() - Layout.MIB, E820Entry.Type.RAM));
        long ecamSize = (long) (p.ecamEndBus() - p.ecamStartBus() + 1) << 20;
        e.add(new E820Entry(p.ecamBase() + ((long) p.ecamStartBus() << 20), ecamSize, E820Entry.Type.RESERVED));
        if (p.highMemory() > 0) e.add(new E820Entry(Layout.HIGH_RAM_START, p.highMemory(), E820Entry.Type.RAM));
        return new E820Map(e);
    }

    /** Linux boot_params.e820_table layout: address, size (u64 each), type (u32); 20 bytes per entry. */
    public byte[] zeroPageBytes() {
        LeBuffer b = new LeBuffer();
        for (E820Entry e : entries) b.u64(e.address()).u64(e.length()).u32(e.type().code);
        return b.toByteArray();
    }

    /** PVH hvm_memmap_table_entry layout: address, size (u64 each), type, reserved (u32 each); 24 bytes. */
    public byte[] pvhBytes() {
        LeBuffer b = new LeBuffer();
        for (E820Entry e : entries) b.u64(e.address()).u64(e.length()).u32(e.type().code).u32(0);
        return b.toByteArray();
    }
}
