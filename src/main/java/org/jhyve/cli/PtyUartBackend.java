package org.jhyve.cli;

import org.jhyve.devices.lpc.UartBackend;
import org.jhyve.sys.Libc;
import org.jhyve.sys.Terminal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A UART on the master side of a fresh pseudo-terminal: the Linux stand-in for bhyve's nmdm
 * pair. jhyve keeps the slave open itself so the pty's raw mode survives users connecting and
 * disconnecting (screen, minicom, cu), and so reads never fail with EIO while nobody is there.
 */
final class PtyUartBackend implements UartBackend {
    private final Terminal.Pty pty;
    private final int slaveFd;
    private final MemorySegment out = Arena.ofAuto().allocate(1);
    private volatile Thread reader;

    PtyUartBackend(Terminal.Pty pty) {
        this.pty = pty;
        this.slaveFd = Libc.open(pty.slavePath(), Libc.O_RDWR | Libc.O_NOCTTY, 0);
        Terminal.makeRaw(slaveFd);
    }

    String path() { return pty.slavePath(); }

    @Override
    public synchronized void write(int b) {
        out.set(ValueLayout.JAVA_BYTE, 0, (byte) b);
        Libc.write(pty.masterFd(), out, 1); // a full pty buffer blocks, as a real line would
    }

    @Override
    public void start(String portName, Receiver receiver) {
        reader = Thread.ofPlatform().name("uart " + portName).daemon(true).start(() -> {
            MemorySegment buf = Arena.ofConfined().allocate(256);
            while (!Thread.currentThread().isInterrupted()) {
                long n = Libc.read(pty.masterFd(), buf, buf.byteSize());
                if (n == -Libc.EINTR) continue;
                if (n <= 0) return;
                try {
                    for (int i = 0; i < n; i++) receiver.receive(Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, i)));
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    @Override
    public void close() {
        Thread r = reader;
        if (r != null) r.interrupt();
        Libc.close(slaveFd);
        Libc.close(pty.masterFd());
    }
}
