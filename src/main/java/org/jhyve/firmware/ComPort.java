package org.jhyve.firmware;

/** The LPC bridge's four 16550 UARTs, at the PC's fixed ports and ISA IRQs. */
public enum ComPort {
    COM1(0x3F8, 4), COM2(0x2F8, 3), COM3(0x3E8, 4), COM4(0x2E8, 3);

    public final int port;
    public final int irq;

    ComPort(int port, int irq) {
        this.port = port;
        this.irq = irq;
    }

    /** 1 for COM1 .. 4 for COM4 (the ACPI _UID and the bhyve config name lpc.comN). */
    public int number() { return ordinal() + 1; }
}
