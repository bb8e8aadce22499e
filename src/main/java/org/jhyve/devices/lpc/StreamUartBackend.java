package org.jhyve.devices.lpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * A UART back end over a pair of streams: stdio, a tty or pty device, or (output only) a file.
 * Input is read by a daemon platform thread that hands each byte to the UART, waiting while the
 * UART's FIFO is full. Output is written and flushed byte by byte, as bhyve's write(2) per byte.
 */
public final class StreamUartBackend implements UartBackend {
    /** Looked up per message, not at class load: the first lookup loads the logging back end. */
    private static System.Logger log() { return System.getLogger("org.jhyve.devices.lpc"); }

    private final String description;
    private final InputStream in;       // null: no input (a log file)
    private final OutputStream out;
    private final Runnable onClose;
    private volatile Thread reader;
    private volatile boolean closed;
    private boolean outputFailed;

    /** onClose runs once when the back end closes (restores terminal modes, closes files). */
    public StreamUartBackend(String description, InputStream in, OutputStream out, Runnable onClose) {
        this.description = description;
        this.in = in;
        this.out = out;
        this.onClose = onClose;
    }

    public String description() { return description; }

    @Override
    public synchronized void write(int b) {
        if (closed || outputFailed) return;
        try {
            out.write(b);
            out.flush();
        } catch (IOException e) {
            // A vanished terminal must not kill the guest; report once and drop further output.
            outputFailed = true;
            log().log(System.Logger.Level.WARNING, "{0}: output failed, dropping further output: {1}", description, e.getMessage());
        }
    }

    @Override
    public void start(String portName, Receiver receiver) {
        if (in == null) return;
        if (reader != null) throw new IllegalStateException(description + ": already started");
        reader = Thread.ofPlatform().name("uart " + portName).daemon(true).start(() -> pump(receiver));
    }

    private void pump(Receiver receiver) {
        byte[] buf = new byte[256];
        try {
            while (!closed) {
                int n = in.read(buf);
                if (n < 0) return;   // end of input: the port just stops receiving
                for (int i = 0; i < n; i++) receiver.receive(buf[i] & 0xFF);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (!closed) log().log(System.Logger.Level.WARNING, "{0}: input failed: {1}", description, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Thread t = reader;
        if (t != null) t.interrupt();
        try {
            onClose.run();
        } catch (UncheckedIOException e) {
            log().log(System.Logger.Level.WARNING, "{0}: close failed: {1}", description, e.getMessage());
        }
    }
}
