package org.jhyve.devices.pci;

/**
 * The resources one root bus decodes after BAR assignment, for the ACPI host bridge _CRS: I/O,
 * 32-bit and 64-bit memory, each [base, limit) with limit exclusive, slop included as bhyve adds it.
 */
public record BusWindows(int bus, long ioBase, long ioLimit, long mem32Base, long mem32Limit,
                         long mem64Base, long mem64Limit) { }
