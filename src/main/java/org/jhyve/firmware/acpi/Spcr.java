package org.jhyve.firmware.acpi;

import org.jhyve.firmware.ComPort;
import org.jhyve.firmware.LeBuffer;

/** Serial Port Console Redirection, revision 2: the console UART, 115200 8N1, for guests that pick their console from it. */
public final class Spcr {
    public static final int SIZE = 80;
    static final int INTERFACE_16550 = 0;
    /** Interrupt type: bit 0 = PC-AT 8259 IRQ, bit 1 = I/O APIC interrupt. */
    static final int INTERRUPT_8259_AND_IOAPIC = 0x03;
    static final int BAUD_115200 = 7;
    static final int TERMINAL_ANSI = 3;

    private Spcr() {}

    public static byte[] build(ComPort port) {
        LeBuffer b = AcpiHeader.begin("SPCR", 2);
        b.u8(INTERFACE_16550).zeros(3);
        Gas.io(b, 8, Gas.ACCESS_BYTE, port.port);
        b.u8(INTERRUPT_8259_AND_IOAPIC).u8(port.irq).u32(port.irq) // ISA IRQs map 1:1 to GSIs except IRQ 0
                .u8(BAUD_115200).u8(0) // no parity
                .u8(1)                 // one stop bit
                .u8(0)                 // no flow control
                .u8(TERMINAL_ANSI).u8(0)
                .u16(0xFFFF).u16(0xFFFF) // not a PCI device
                .u8(0).u8(0).u8(0).u32(0).u8(0)
                .u32(0);
        byte[] t = AcpiHeader.finish(b);
        if (t.length != SIZE) throw new IllegalStateException("SPCR came out " + t.length + " bytes, not " + SIZE);
        return t;
    }
}
