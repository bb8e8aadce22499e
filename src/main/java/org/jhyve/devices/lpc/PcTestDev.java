package org.jhyve.devices.lpc;

import org.jhyve.bus.Bus;
import org.jhyve.bus.IoDevice;
import org.jhyve.bus.IrqLine;

import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * bhyve's pc-testdev, the subset of QEMU's test devices kvm-unit-tests relies on:
 * isa-debug-exit at 0xF4 (a write of v ends the process with status (v &lt;&lt; 1) | 1, reads 0);
 * a 4-byte scratch register at 0xE0; 24 IRQ ports from 0x2000 (a byte write of non-zero asserts
 * IRQ n = port - 0x2000, zero deasserts it, reads 0); 64 KiB of scratch memory at 0xFF000000.
 */
public final class PcTestDev {
    public static final int DEBUG_EXIT = 0xF4, DEBUG_EXIT_LEN = 4;
    public static final int IOPORT = 0xE0, IOPORT_LEN = 4;
    public static final int IRQ_BASE = 0x2000, IRQ_COUNT = 24;
    public static final long IOMEM_BASE = 0xFF00_0000L, IOMEM_LEN = 0x10000;

    private final IntConsumer exit;
    private final IntFunction<IrqLine> gsi;
    private final byte[] iomem = new byte[(int) IOMEM_LEN];
    private int ioportData;

    /** exit ends the process with a status; gsi gives the line of IRQ n (ISA IRQs reach PIC and IOAPIC). */
    public PcTestDev(IntConsumer exit, IntFunction<IrqLine> gsi) {
        this.exit = exit;
        this.gsi = gsi;
    }

    public void register(Bus pio, Bus mmio) {
        pio.register(DEBUG_EXIT, DEBUG_EXIT_LEN, debugExit, "isa-debug-exit");
        pio.register(IOPORT, IOPORT_LEN, ioport, "pc-testdev-ioport");
        pio.register(IRQ_BASE, IRQ_COUNT, irq, "pc-testdev-irq-line");
        mmio.register(IOMEM_BASE, IOMEM_LEN, memory, "pc-testdev-iomem");
    }

    private final IoDevice debugExit = new IoDevice() {
        @Override public long read(long offset, int size) { return 0; }

        @Override
        public void write(long offset, int size, long value) {
            long v = size >= 4 ? value & 0xFFFFFFFFL : value & ((1L << 8 * size) - 1);
            exit.accept((int) (v << 1 | 1));
        }
    };

    private final IoDevice ioport = new IoDevice() {
        @Override
        public synchronized long read(long offset, int size) {
            if (offset + size > IOPORT_LEN) return -1L;
            return (ioportData & 0xFFFFFFFFL) >>> (8 * offset) & ((1L << 8 * size) - 1);
        }

        @Override
        public synchronized void write(long offset, int size, long value) {
            if (offset + size > IOPORT_LEN) return;
            long mask = ((1L << 8 * size) - 1) << (8 * offset);
            ioportData = (int) ((ioportData & ~mask) | ((value << (8 * offset)) & mask));
        }
    };

    private final IoDevice irq = new IoDevice() {
        @Override public long read(long offset, int size) { return 0; }

        @Override
        public void write(long offset, int size, long value) {
            if (size != 1) return;   // bhyve refuses wider accesses
            gsi.apply((int) offset).set((value & 0xFF) != 0);
        }
    };

    private final IoDevice memory = new IoDevice() {
        @Override
        public synchronized long read(long offset, int size) {
            if (offset + size > IOMEM_LEN) return -1L;
            long v = 0;
            for (int i = size - 1; i >= 0; i--) v = v << 8 | (iomem[(int) offset + i] & 0xFF);
            return v;
        }

        @Override
        public synchronized void write(long offset, int size, long value) {
            if (offset + size > IOMEM_LEN) return;
            for (int i = 0; i < size; i++) iomem[(int) offset + i] = (byte) (value >>> (8 * i));
        }
    };
}
