package org.jhyve.boot;

/** One e820-style memory map entry; types as in the ACPI address range types. */
public record MemoryMapEntry(long addr, long size, int type) {
    public static final int RAM = 1, RESERVED = 2, ACPI = 3, NVS = 4;
}
