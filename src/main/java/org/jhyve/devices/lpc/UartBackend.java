package org.jhyve.devices.lpc;

/**
 * Where a UART's bytes go and come from (stdio, a tty or pty, a file). Output is written from vCPU
 * threads; input is pushed by the back end's own reader thread into the {@link Receiver}, which
 * blocks while the UART's receive FIFO is full, so no byte is ever dropped.
 */
public interface UartBackend extends AutoCloseable {
    /** Pushes input into the UART; blocks while the receiver cannot take the byte. */
    @FunctionalInterface
    interface Receiver {
        void receive(int b) throws InterruptedException;
    }

    /** Sends one byte the guest transmitted. */
    void write(int b);

    /** Starts delivering input, from a platform thread named after the port (e.g. "uart com1"). */
    void start(String portName, Receiver receiver);

    /** Stops the reader and releases what the back end opened. */
    @Override
    void close();
}
