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
    /** FIONREAD: bytes waiting to be read at the slave side. */
    private static final long FIONREAD = 0x541B;
    /** Longest wait at close for a console client that is reading, and for one that has stopped. */
    private static final long DRAIN_MAX_NS = 500_000_000L, DRAIN_STALL_NS = 50_000_000L;

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
        awaitReader();
        Libc.close(slaveFd);
        Libc.close(pty.masterFd());
    }

    /**
     * Closing the master hangs the slave up, and the kernel then drops what the console's client
     * has not read yet: the guest's last lines (its "poweroff:") would be lost to a client that is
     * a moment behind. So while the client keeps reading, this waits for it to catch up (at most
     * DRAIN_MAX_NS); with nobody reading, the count stops moving and it gives up after
     * DRAIN_STALL_NS. A zero count is checked twice: bytes just written may still be on their
     * way through the kernel's flip buffer, which FIONREAD does not count.
     */
    private void awaitReader() {
        MemorySegment count = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
        long start = System.nanoTime(), lastMove = start;
        int last = -1, zeros = 0;
        while (System.nanoTime() - start < DRAIN_MAX_NS) {
            if (Libc.ioctlRaw(slaveFd, FIONREAD, count.address()) < 0) return;
            int n = count.get(ValueLayout.JAVA_INT, 0);
            if (n == 0 && ++zeros == 2) return;
            if (n != 0) zeros = 0;
            long now = System.nanoTime();
            if (n != last) {
                last = n;
                lastMove = now;
            } else if (n != 0 && now - lastMove > DRAIN_STALL_NS) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
    }
}
