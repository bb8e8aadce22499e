package org.jhyve.boot;

/**
 * How the boot processor starts, as a loader prepared it: what a VM home keeps between
 * {@code jhyveload} and {@code jhyve}. The VMM turns it into register state on the BSP's thread.
 */
public sealed interface BootEntry {
    long rip();

    /**
     * Linux's 64-bit boot protocol: long mode with the VMM's identity page tables at {@code pml4}
     * and GDT at {@code gdt}, RSI = the zero page (struct boot_params).
     */
    record Linux64(long rip, long zeroPage, long pml4, long gdt, long stack) implements BootEntry {}

    /** The PVH protocol: 32-bit protected mode, paging off, EBX = struct hvm_start_info. */
    record Pvh(long rip, long startInfo) implements BootEntry {}
}
