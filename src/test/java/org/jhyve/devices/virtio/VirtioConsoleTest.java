package org.jhyve.devices.virtio;

import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.jhyve.devices.virtio.VirtioConsole.*;
import static org.junit.jupiter.api.Assertions.*;

/** virtio-console ports as Unix sockets: the control handshake, data both ways, one client, cleanup. */
class VirtioConsoleTest {
    @TempDir Path dir;
    private Harness h;

    @AfterEach
    void close() { if (h != null) h.close(); }

    private FakeDriver queue(int q) {
        long base = 0x10000L + 0x4000L * q;
        FakeDriver d = new FakeDriver(h.mem, 16, base, base + 0x1000, base + 0x2000);
        d.dataTop = 0x200000L + 0x8000L * q;
        h.queue(q, d, NO_VECTOR_FOR_TEST);
        return d;
    }

    private static final int NO_VECTOR_FOR_TEST = VirtioPci.NO_VECTOR;

    private static byte[] msg(int id, int event, int value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(id).putShort((short) event).putShort((short) value).array();
    }

    private int[] readMsg(FakeDriver d, int i, long buf) {
        ByteBuffer b = ByteBuffer.wrap(h.mem.read(buf, 8)).order(ByteOrder.LITTLE_ENDIAN);
        return new int[] {b.getInt(0), b.getShort(4), b.getShort(6), d.usedElem(i)[1]};
    }

    @Test
    void portsHandshakeAndDataBothWays() throws Exception {
        Path s0 = dir.resolve("con0.sock"), s1 = dir.resolve("con1.sock");
        ConfigTree t = Harness.config("pci.0.4.0.device", "virtio-console",
                "pci.0.4.0.port.0.name", "org.jhyve.zero", "pci.0.4.0.port.0.path", s0.toString(),
                "pci.0.4.0.port.1.name", "org.jhyve.one", "pci.0.4.0.port.1.path", s1.toString());
        h = new Harness(t, VirtioConsole::create);
        assertTrue(Files.exists(s0) && Files.exists(s1));
        assertEquals(2 * (MAX_PORTS + 1), h.common(0x12, 2), "num_queues");
        long f = h.negotiate(-1L);
        assertNotEquals(0, f & 1L << F_MULTIPORT);
        assertEquals(MAX_PORTS, h.deviceConfig(4, 4), "max_nr_ports");
        FakeDriver ctrlRx = queue(CONTROL_RX), ctrlTx = queue(CONTROL_TX);
        FakeDriver rx1 = queue(rxQueue(1)), tx1 = queue(txQueue(1));
        h.driverOk();

        try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(UnixDomainSocketAddress.of(s1));
            // a second client on the same port is turned away
            try (SocketChannel second = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                second.connect(UnixDomainSocketAddress.of(s1));
                ByteBuffer b = ByteBuffer.allocate(1);
                assertEquals(-1, second.read(b), "second client closed by jhyve");
            }
            long[] bufs = new long[8];
            for (int i = 0; i < 8; i++) {
                ctrlRx.chain(new byte[][] {}, 64);
                bufs[i] = ctrlRx.dataTop - 64;
            }
            h.notify(CONTROL_RX);
            ctrlTx.chain(new byte[][] {msg(0, DEVICE_READY, 1)});
            h.notify(CONTROL_TX);
            Harness.awaitUsed(ctrlRx, 2);
            assertArrayEquals(new int[] {0, DEVICE_ADD, 0, 8}, readMsg(ctrlRx, 0, bufs[0]));
            assertArrayEquals(new int[] {1, DEVICE_ADD, 0, 8}, readMsg(ctrlRx, 1, bufs[1]));
            ctrlTx.chain(new byte[][] {msg(1, PORT_READY, 1)});
            h.notify(CONTROL_TX);
            Harness.awaitUsed(ctrlRx, 4);
            int[] name = readMsg(ctrlRx, 2, bufs[2]);
            assertEquals(PORT_NAME, name[1]);
            assertEquals("org.jhyve.one", new String(h.mem.read(bufs[2] + 8, name[3] - 8), StandardCharsets.UTF_8));
            assertArrayEquals(new int[] {1, PORT_OPEN, 1, 8}, readMsg(ctrlRx, 3, bufs[3]), "a client is connected");

            client.write(ByteBuffer.wrap("hello guest".getBytes()));
            rx1.chain(new byte[][] {}, 64);
            long rxBuf = rx1.dataTop - 64;
            h.notify(rxQueue(1));
            // Linux drops input for a port no application has open: it waits for PORT_OPEN
            Thread.sleep(200);
            assertEquals(0, rx1.usedIdx(), "no input before an application opens the port");
            ctrlTx.chain(new byte[][] {msg(1, PORT_OPEN, 1)});
            h.notify(CONTROL_TX);
            Harness.awaitUsed(rx1, 1);
            int got = rx1.usedElem(0)[1];
            assertEquals("hello guest", new String(h.mem.read(rxBuf, got)));

            tx1.chain(new byte[][] {"hello host".getBytes()});
            h.notify(txQueue(1));
            ByteBuffer in = ByteBuffer.allocate(64);
            while (in.position() < 10) client.read(in);
            assertEquals("hello host", new String(in.array(), 0, in.position()));
        }
        // the client left: PORT_OPEN 0
        Harness.awaitUsed(ctrlRx, 5);
        h.close();
        h = null;
        assertFalse(Files.exists(s0), "sockets are removed at exit");
        assertFalse(Files.exists(s1));
    }

    @Test
    void badPortConfigurationsAreRefused() {
        assertThrows(ConfigException.class, () -> new Harness(Harness.config("pci.0.4.0.port.16.name", "a",
                "pci.0.4.0.port.16.path", dir.resolve("a").toString()), VirtioConsole::create));
        assertThrows(ConfigException.class, () -> new Harness(Harness.config("pci.0.4.0.port.0.name", "a"),
                VirtioConsole::create));
        assertThrows(ConfigException.class, () -> new Harness(Harness.config("pci.0.4.0.port.0.name", "a",
                "pci.0.4.0.port.0.path", dir.resolve("a").toString(), "pci.0.4.0.port.1.name", "a",
                "pci.0.4.0.port.1.path", dir.resolve("b").toString()), VirtioConsole::create));
        assertFalse(Files.exists(dir.resolve("a")), "a refused device leaves no socket behind");
    }

    @Test
    void aRegularFileInTheWayIsNotDeleted() throws Exception {
        Path f = dir.resolve("file");
        Files.writeString(f, "keep");
        assertThrows(ConfigException.class, () -> new Harness(Harness.config("pci.0.4.0.port.0.name", "a",
                "pci.0.4.0.port.0.path", f.toString()), VirtioConsole::create));
        assertEquals("keep", Files.readString(f));
    }
}
