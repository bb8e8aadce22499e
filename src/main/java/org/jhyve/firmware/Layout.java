package org.jhyve.firmware;

/** Fixed guest-physical addresses of jhyve's platform (bhyve's layout). */
public final class Layout {
    private Layout() {}

    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;
    public static final long FOUR_GIB = 4 * GIB;

    /** End of conventional memory; [0xA0000, 1 MiB) is VGA/ROM space, reserved in the E820 map. */
    public static final long LOW_RAM_END = 0xA0000;
    public static final long HIGH_RAM_START = FOUR_GIB;
    /** RAM below 4 GiB never exceeds this; the rest goes above 4 GiB. */
    public static final long LOW_MEMORY_LIMIT = 3 * GIB;

    public static final long MP_TABLE = 0xF0000;
    public static final int MP_TABLE_MAX = 0x1000;
    public static final long SMBIOS = 0xF1000;
    public static final int SMBIOS_MAX = 0x1400;
    public static final long ACPI = 0xF2400;
    /** First address past the ACPI area (the end of the BIOS segment guests scan). */
    public static final long ACPI_END = 0x100000;

    public static final long PCI_MEM32_BASE = 0xC0000000L;
    public static final long PCI_MEM32_SIZE = 0x20000000L;
    public static final long ECAM_BASE = 0xE0000000L;
    public static final long PCI_IO_BASE = 0x2000;
    public static final long PCI_IO_END = 0x10000;
    /** bhyve's 64-bit BAR window: 32 GiB, at high RAM's end rounded up to a multiple of 32 GiB. */
    public static final long PCI_MEM64_SIZE = 32 * GIB;

    public static final long IOAPIC = 0xFEC00000L;
    public static final long LAPIC = 0xFEE00000L;
    public static final int IOAPIC_PINS = 24;

    /** ACPI fixed-hardware registers of jhyve's PM device. */
    public static final int SMI_CMD = 0xB2;
    public static final int ACPI_ENABLE = 0xA0;
    public static final int ACPI_DISABLE = 0xA1;
    public static final int PM1A_EVT = 0x400;
    public static final int PM1A_CNT = 0x404;
    public static final int PM_TMR = 0x408;
    public static final int RESET_PORT = 0xCF9;
    public static final int RESET_VALUE = 6;
    public static final int SCI_IRQ = 9;
}
