package org.jhyve.devices.pci;

import org.jhyve.bus.IrqLine;

import java.util.function.IntFunction;

/**
 * The eight PIRQ routing registers of the PIIX-style LPC bridge (PIRQA-D at 0x60-0x63, PIRQE-H
 * at 0x68-0x6B). jhyve wires PCI INTx to IOAPIC GSI 16-23 unconditionally; PIRQ n stands for GSI
 * 16 + n, and when the guest (or its BIOS) routes it to an ISA IRQ the same level is also driven
 * on that ISA IRQ, for guests that run with the 8259 PIC. As in bhyve, a register keeps bit 7
 * (disable) and bits 0-3 (IRQ); only IRQs 3-7, 9-12, 14 and 15 are honoured.
 */
public final class PirqRouter {
    public static final int PINS = 8;
    public static final int DISABLED = 0x80;
    private static final int IRQ_MASK = 0x0F;
    private static final int PERMITTED_IRQS = 0xDEF8;

    private final IntFunction<IrqLine> isaIrq;
    private final int[] reg = new int[PINS];
    private final boolean[] active = new boolean[PINS];

    public PirqRouter(IntFunction<IrqLine> isaIrq) {
        this.isaIrq = isaIrq;
        java.util.Arrays.fill(reg, DISABLED);
    }

    /** The register value of PIRQ pin (0 = PIRQA). */
    public synchronized int read(int pin) { return reg[pin]; }

    public synchronized void write(int pin, int value) {
        int v = value & (DISABLED | IRQ_MASK);
        if (v == reg[pin]) return;
        if (active[pin] && valid(reg[pin])) isaIrq.apply(reg[pin] & IRQ_MASK).set(false);
        reg[pin] = v;
        if (active[pin] && valid(v)) isaIrq.apply(v & IRQ_MASK).set(true);
    }

    /** Called when the level of GSI 16 + pin changes. */
    synchronized void levelChanged(int pin, boolean level) {
        active[pin] = level;
        if (valid(reg[pin])) isaIrq.apply(reg[pin] & IRQ_MASK).set(level);
    }

    private static boolean valid(int v) {
        return (v & DISABLED) == 0 && (PERMITTED_IRQS & (1 << (v & IRQ_MASK))) != 0;
    }
}
