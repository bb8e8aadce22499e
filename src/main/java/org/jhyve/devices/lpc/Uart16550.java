package org.jhyve.devices.lpc;

import org.jhyve.bus.IoDevice;
import org.jhyve.bus.IrqLine;

/**
 * A 16550A UART as bhyve emulates it: eight registers (divisor latch behind LCR.DLAB), a receive
 * FIFO of 16 bytes (1 byte while FCR disables FIFOs), a transmitter that is always empty (bytes go
 * straight to the back end), interrupts for receive data, transmitter empty, overrun and modem
 * status, and loopback through MCR. The interrupt wire follows the interrupt-pending state, as the
 * INTR pin of the chip does: it rises when a cause appears and falls when IIR reports none.
 */
public final class Uart16550 implements IoDevice {
    public static final int REG_DATA = 0, REG_IER = 1, REG_IIR = 2, REG_FCR = 2, REG_LCR = 3, REG_MCR = 4,
            REG_LSR = 5, REG_MSR = 6, REG_SCR = 7;
    public static final int IER_ERXRDY = 0x1, IER_ETXRDY = 0x2, IER_ERLS = 0x4, IER_EMSC = 0x8;
    public static final int IIR_NOPEND = 0x1, IIR_MLSC = 0x0, IIR_TXRDY = 0x2, IIR_RXTOUT = 0xC, IIR_RLS = 0x6,
            IIR_FIFO_MASK = 0xC0;
    public static final int FCR_ENABLE = 0x1, FCR_RCV_RST = 0x2, FCR_XMT_RST = 0x4, FCR_DMA = 0x8, FCR_RX_MASK = 0xC0;
    public static final int LCR_DLAB = 0x80;
    public static final int MCR_DTR = 0x1, MCR_RTS = 0x2, MCR_OUT1 = 0x4, MCR_OUT2 = 0x8, MCR_LOOPBACK = 0x10;
    public static final int LSR_RXRDY = 0x1, LSR_OE = 0x2, LSR_THRE = 0x20, LSR_TEMT = 0x40;
    public static final int MSR_DCTS = 0x1, MSR_DDSR = 0x2, MSR_TERI = 0x4, MSR_DDCD = 0x8,
            MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;
    public static final int FIFO_SIZE = 16;
    /** 1.8432 MHz clock / 16 / 9600 baud. */
    private static final int DEFAULT_DIVISOR = 12;

    private final String name;
    private final IrqLine irq;
    private final UartBackend backend;

    private int dll = DEFAULT_DIVISOR, dlh, ier, lcr, mcr, lsr, msr, fcr, scr;
    private boolean threPending;
    private final byte[] fifo = new byte[FIFO_SIZE];
    private int fifoSize = 1, fifoHead, fifoCount;
    private boolean irqLevel;

    /** backend may be null: output is dropped and nothing is ever received, as bhyve's unconnected ports. */
    public Uart16550(String name, IrqLine irq, UartBackend backend) {
        this.name = name;
        this.irq = irq;
        this.backend = backend;
        this.msr = modemStatus(0);
    }

    public String name() { return name; }

    public UartBackend backend() { return backend; }

    /** Starts the back end's reader (after the VM is built). */
    public void start() {
        if (backend != null) backend.start(name, this::receive);
    }

    @Override
    public long read(long offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) v |= (long) readRegister((int) offset + i) << (8 * i);
        return v;
    }

    @Override
    public void write(long offset, int size, long value) {
        for (int i = 0; i < size; i++) writeRegister((int) offset + i, (int) (value >>> (8 * i)) & 0xFF);
    }

    /**
     * Input from the back end: waits while the FIFO is full or the port is in loopback (the line is
     * disconnected from the outside then), so input is delayed, never lost.
     */
    public synchronized void receive(int b) throws InterruptedException {
        while (fifoCount >= fifoSize || (mcr & MCR_LOOPBACK) != 0) wait();
        put(b);
        updateIrq();
    }

    /** Bytes waiting in the receive FIFO (diagnostics and tests). */
    public synchronized int pendingInput() { return fifoCount; }

    private int readRegister(int reg) {
        int v;
        synchronized (this) {
            if ((lcr & LCR_DLAB) != 0 && (reg == REG_DATA || reg == REG_IER)) {
                v = reg == REG_DATA ? dll : dlh;
            } else {
                v = switch (reg) {
                    case REG_DATA -> take();
                    case REG_IER -> ier;
                    case REG_IIR -> {
                        int reason = reason();
                        if (reason == IIR_TXRDY) threPending = false;   // reading IIR acknowledges THRE
                        yield ((fcr & FCR_ENABLE) != 0 ? IIR_FIFO_MASK : 0) | reason;
                    }
                    case REG_LCR -> lcr;
                    case REG_MCR -> mcr;
                    case REG_LSR -> {
                        lsr |= LSR_TEMT | LSR_THRE;
                        lsr = fifoCount > 0 ? lsr | LSR_RXRDY : lsr & ~LSR_RXRDY;
                        int r = lsr;
                        lsr &= ~LSR_OE;
                        yield r;
                    }
                    case REG_MSR -> {
                        int r = msr;
                        msr &= ~0x0F;   // delta bits clear on read
                        yield r;
                    }
                    case REG_SCR -> scr;
                    default -> 0xFF;
                };
            }
            updateIrq();
        }
        return v;
    }

    private void writeRegister(int reg, int value) {
        int transmit = -1;
        synchronized (this) {
            if ((lcr & LCR_DLAB) != 0 && (reg == REG_DATA || reg == REG_IER)) {
                if (reg == REG_DATA) dll = value; else dlh = value;
                updateIrq();
                return;
            }
            switch (reg) {
                case REG_DATA -> {
                    if ((mcr & MCR_LOOPBACK) != 0) {
                        if (fifoCount < fifoSize) put(value); else lsr |= LSR_OE;
                    } else {
                        transmit = value;
                    }
                    threPending = true;
                }
                case REG_IER -> {
                    // THRE is always true, so enabling its interrupt raises one at once.
                    if ((ier & IER_ETXRDY) == 0 && (value & IER_ETXRDY) != 0) threPending = true;
                    ier = value & 0x0F;
                }
                case REG_FCR -> {
                    if (((fcr ^ value) & FCR_ENABLE) != 0) resetFifo((value & FCR_ENABLE) != 0 ? FIFO_SIZE : 1);
                    if ((value & FCR_ENABLE) == 0) {
                        fcr = 0;
                    } else {
                        if ((value & FCR_RCV_RST) != 0) resetFifo(FIFO_SIZE);
                        fcr = value & (FCR_ENABLE | FCR_DMA | FCR_RX_MASK);
                    }
                }
                case REG_LCR -> lcr = value;
                case REG_MCR -> {
                    boolean wasLoopback = (mcr & MCR_LOOPBACK) != 0;
                    mcr = value & 0x1F;
                    int next = modemStatus(mcr);
                    if (((next ^ msr) & MSR_CTS) != 0) msr |= MSR_DCTS;
                    if (((next ^ msr) & MSR_DSR) != 0) msr |= MSR_DDSR;
                    if (((next ^ msr) & MSR_DCD) != 0) msr |= MSR_DDCD;
                    if ((msr & MSR_RI) != 0 && (next & MSR_RI) == 0) msr |= MSR_TERI;
                    msr = (msr & 0x0F) | next;
                    if (wasLoopback && (mcr & MCR_LOOPBACK) == 0) notifyAll();
                }
                case REG_SCR -> scr = value;
                default -> { }   // LSR and MSR are read-only
            }
            updateIrq();
        }
        if (transmit >= 0 && backend != null) backend.write(transmit);
    }

    /** MSR's state bits: in loopback they mirror MCR; otherwise DCD and DSR are up so opens never block. */
    private static int modemStatus(int mcr) {
        if ((mcr & MCR_LOOPBACK) == 0) return MSR_DCD | MSR_DSR;
        int m = 0;
        if ((mcr & MCR_RTS) != 0) m |= MSR_CTS;
        if ((mcr & MCR_DTR) != 0) m |= MSR_DSR;
        if ((mcr & MCR_OUT1) != 0) m |= MSR_RI;
        if ((mcr & MCR_OUT2) != 0) m |= MSR_DCD;
        return m;
    }

    /** The highest-priority pending cause, as IIR bits 0-3. */
    private int reason() {
        if ((lsr & LSR_OE) != 0 && (ier & IER_ERLS) != 0) return IIR_RLS;
        if (fifoCount > 0 && (ier & IER_ERXRDY) != 0) return IIR_RXTOUT;
        if (threPending && (ier & IER_ETXRDY) != 0) return IIR_TXRDY;
        if ((msr & 0x0F) != 0 && (ier & IER_EMSC) != 0) return IIR_MLSC;
        return IIR_NOPEND;
    }

    private void updateIrq() {
        boolean level = reason() != IIR_NOPEND;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    private void put(int b) {
        fifo[(fifoHead + fifoCount) % fifoSize] = (byte) b;
        fifoCount++;
    }

    private int take() {
        if (fifoCount == 0) return 0xFF;
        int b = fifo[fifoHead] & 0xFF;
        fifoHead = (fifoHead + 1) % fifoSize;
        fifoCount--;
        notifyAll();
        return b;
    }

    private void resetFifo(int size) {
        fifoSize = size;
        fifoHead = 0;
        fifoCount = 0;
        notifyAll();
    }
}
