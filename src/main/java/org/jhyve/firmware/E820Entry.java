package org.jhyve.firmware;

/** One range of the BIOS E820 memory map. */
public record E820Entry(long address, long length, Type type) {
    /** The E820 type codes guests read (Linux's zero page, PVH's hvm_memmap_table_entry). */
    public enum Type {
        RAM(1), RESERVED(2), ACPI(3), NVS(4);

        public final int code;

        Type(int code) { this.code = code; }
    }

    public E820Entry {
        if (address < 0 || length <= 0) {
            throw new IllegalArgumentException("bad E820 range at 0x" + Long.toHexString(address) + " length " + length);
        }
    }

    public long end() { return address + length; }
}
