package org.jhyve.devices.lpc;

import org.jhyve.devices.Fakes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.jhyve.devices.lpc.Uart16550.*;
import static org.junit.jupiter.api.Assertions.*;

class Uart16550Test {
    private Fakes.Irq irq;
    private ByteArrayOutputStream sent;
    private Uart16550 uart;

    /** A back end that records output and never produces input by itself. */
    private final class Recorder implements UartBackend {
        @Override public void write(int b) { sent.write(b); }

        @Override public void start(String portName, Receiver receiver) { }

        @Override public void close() { }
    }

    @BeforeEach
    void setUp() {
        irq = new Fakes.Irq();
        sent = new ByteArrayOutputStream();
        uart = new Uart16550("com1", irq, new Recorder());
    }

    private int in(int reg) { return (int) uart.read(reg, 1); }

    private void out(int reg, int v) { uart.write(reg, 1, v); }

    @Test
    void resetState() {
        assertEquals(0, in(REG_IER));
        assertEquals(IIR_NOPEND, in(REG_IIR));
        assertEquals(0, in(REG_LCR));
        assertEquals(LSR_THRE | LSR_TEMT, in(REG_LSR));
        assertEquals(MSR_DCD | MSR_DSR, in(REG_MSR));
        assertFalse(irq.level);
    }

    @Test
    void divisorLatchHidesDataAndIer() {
        out(REG_LCR, LCR_DLAB | 0x03);
        assertEquals(12, in(REG_DATA), "9600 baud from the 1.8432 MHz clock");
        assertEquals(0, in(1));
        out(REG_DATA, 0x01);
        out(REG_IER, 0x00);
        assertEquals(1, in(REG_DATA));
        out(REG_LCR, 0x03);
        assertEquals(0, in(REG_IER), "IER untouched by divisor writes");
        out(REG_DATA, 'A');
        assertEquals("A", sent.toString());
        assertEquals(0x03, in(REG_LCR));
    }

    @Test
    void transmitGoesToTheBackendAndRaisesThreWhenEnabled() {
        out(REG_DATA, 'h');
        out(REG_DATA, 'i');
        assertEquals("hi", sent.toString());
        assertFalse(irq.level, "THRE interrupt not enabled");
        out(REG_IER, IER_ETXRDY);
        assertTrue(irq.level, "enabling THRE raises at once: the holding register is empty");
        assertEquals(IIR_TXRDY, in(REG_IIR));
        assertFalse(irq.level, "reading IIR acknowledged THRE");
        assertEquals(IIR_NOPEND, in(REG_IIR));
        out(REG_DATA, '!');
        assertTrue(irq.level);
        assertEquals(2, irq.rises);
    }

    @Test
    void ierKeepsFourBits() {
        out(REG_IER, 0xFF);
        assertEquals(0x0F, in(REG_IER));
    }

    @Test
    void receivedDataRaisesRxInterruptUntilDrained() throws InterruptedException {
        out(REG_FCR, FCR_ENABLE);
        out(REG_IER, IER_ERXRDY);
        uart.receive('x');
        uart.receive('y');
        assertTrue(irq.level);
        assertEquals(IIR_FIFO_MASK | IIR_RXTOUT, in(REG_IIR));
        assertEquals(LSR_RXRDY, in(REG_LSR) & LSR_RXRDY);
        assertEquals('x', in(REG_DATA));
        assertTrue(irq.level);
        assertEquals('y', in(REG_DATA));
        assertFalse(irq.level);
        assertEquals(0, in(REG_LSR) & LSR_RXRDY);
        assertEquals(0xFF, in(REG_DATA), "empty FIFO");
    }

    @Test
    void iirPriorityPutsReceiveBeforeTransmit() throws InterruptedException {
        out(REG_FCR, FCR_ENABLE);
        out(REG_IER, IER_ERXRDY | IER_ETXRDY);
        uart.receive('a');
        assertEquals(IIR_RXTOUT, in(REG_IIR) & 0x0F);
        in(REG_DATA);
        assertEquals(IIR_TXRDY, in(REG_IIR) & 0x0F);
    }

    @Test
    void fifoControlRegister() throws InterruptedException {
        assertEquals(0, in(REG_IIR) & IIR_FIFO_MASK);
        out(REG_FCR, FCR_ENABLE | 0xC0);
        assertEquals(IIR_FIFO_MASK, in(REG_IIR) & IIR_FIFO_MASK);
        for (int i = 0; i < FIFO_SIZE; i++) uart.receive(i);
        assertEquals(FIFO_SIZE, uart.pendingInput());
        out(REG_FCR, FCR_ENABLE | FCR_RCV_RST);
        assertEquals(0, uart.pendingInput());
        out(REG_FCR, 0);
        assertEquals(0, in(REG_IIR) & IIR_FIFO_MASK);
    }

    @Test
    void withoutFifosOnlyOneByteWaits() throws Exception {
        uart.receive('1');
        CountDownLatch delivered = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                uart.receive('2');
                delivered.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertFalse(delivered.await(100, TimeUnit.MILLISECONDS), "the second byte waits: 16450 mode holds one");
        assertEquals('1', in(REG_DATA));
        assertTrue(delivered.await(5, TimeUnit.SECONDS));
        assertEquals('2', in(REG_DATA));
        t.join();
    }

    @Test
    void fullFifoBlocksTheReaderInsteadOfDropping() throws Exception {
        out(REG_FCR, FCR_ENABLE);
        for (int i = 0; i < FIFO_SIZE; i++) uart.receive('a' + i);
        CountDownLatch delivered = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                uart.receive('q');
                delivered.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertFalse(delivered.await(100, TimeUnit.MILLISECONDS));
        assertEquals(0, in(REG_LSR) & LSR_OE, "no overrun: input waits");
        StringBuilder got = new StringBuilder();
        for (int i = 0; i < FIFO_SIZE; i++) got.append((char) in(REG_DATA));
        assertTrue(delivered.await(5, TimeUnit.SECONDS));
        got.append((char) in(REG_DATA));
        assertEquals("abcdefghijklmnopq", got.toString());
        t.join();
    }

    @Test
    void loopbackEchoesDataAndMirrorsModemLines() {
        out(REG_FCR, FCR_ENABLE);
        out(REG_MCR, MCR_LOOPBACK | MCR_RTS | MCR_OUT2);
        out(REG_DATA, 0x5A);
        assertEquals("", sent.toString(), "nothing leaves in loopback");
        assertEquals(0x5A, in(REG_DATA));
        int msr = in(REG_MSR);
        assertEquals(MSR_CTS | MSR_DCD, msr & 0xF0);
        assertEquals(MSR_DDSR, msr & MSR_DDSR, "DSR dropped when loopback took the lines over");
        assertEquals(0, in(REG_MSR) & 0x0F, "delta bits clear on read");
        out(REG_MCR, MCR_LOOPBACK | MCR_OUT1);
        out(REG_MCR, MCR_LOOPBACK);
        assertEquals(MSR_TERI, in(REG_MSR) & MSR_TERI, "trailing edge of RI");
    }

    @Test
    void loopbackOverrunSetsOeAndRaisesLineStatus() {
        out(REG_MCR, MCR_LOOPBACK);
        out(REG_IER, IER_ERLS);
        out(REG_DATA, 1);
        out(REG_DATA, 2);   // FIFO disabled: one byte only
        assertTrue(irq.level);
        assertEquals(IIR_RLS, in(REG_IIR));
        assertEquals(LSR_OE, in(REG_LSR) & LSR_OE);
        assertEquals(0, in(REG_LSR) & LSR_OE, "OE clears on read");
        assertEquals(1, in(REG_DATA));
        assertFalse(irq.level);
    }

    @Test
    void loopbackHoldsOutsideInputUntilItEnds() throws Exception {
        out(REG_FCR, FCR_ENABLE);
        out(REG_MCR, MCR_LOOPBACK);
        CountDownLatch delivered = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                uart.receive('z');
                delivered.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertFalse(delivered.await(100, TimeUnit.MILLISECONDS));
        out(REG_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
        assertTrue(delivered.await(5, TimeUnit.SECONDS));
        assertEquals('z', in(REG_DATA));
        t.join();
    }

    @Test
    void modemStatusInterrupt() {
        out(REG_IER, IER_EMSC);
        out(REG_MCR, MCR_LOOPBACK);   // DCD and DSR drop: deltas
        assertTrue(irq.level);
        assertEquals(IIR_MLSC, in(REG_IIR));
        in(REG_MSR);
        assertFalse(irq.level);
    }

    @Test
    void scratchAndMcrMask() {
        out(REG_SCR, 0xA5);
        assertEquals(0xA5, in(REG_SCR));
        out(REG_MCR, 0xFF);
        assertEquals(0x1F, in(REG_MCR));
    }

    @Test
    void wordAccessesCoverTwoRegisters() {
        uart.write(REG_IER, 2, 0x0102);   // IER = 2, FCR = 1
        assertEquals(IER_ETXRDY, in(REG_IER));
        assertEquals(IIR_FIFO_MASK, in(REG_IIR) & IIR_FIFO_MASK);
    }

    @Test
    void unconnectedPortDropsOutput() {
        Uart16550 lonely = new Uart16550("com2", irq, null);
        lonely.write(REG_DATA, 1, 'x');
        lonely.start();
        assertEquals(LSR_THRE | LSR_TEMT, lonely.read(REG_LSR, 1));
    }
}
