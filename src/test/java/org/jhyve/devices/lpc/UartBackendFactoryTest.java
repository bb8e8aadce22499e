package org.jhyve.devices.lpc;

import org.jhyve.config.ConfigException;
import org.jhyve.devices.HostHooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class UartBackendFactoryTest {
    @TempDir Path dir;

    /** Hooks that count raw-mode switches and restores. */
    private static final class CountingHooks implements HostHooks {
        final AtomicInteger raw = new AtomicInteger(), restored = new AtomicInteger();
        final List<String> ptys = new ArrayList<>();

        @Override
        public Runnable rawStdin() {
            raw.incrementAndGet();
            return restored::incrementAndGet;
        }

        @Override
        public Runnable rawTerminal(Path tty) {
            raw.incrementAndGet();
            return restored::incrementAndGet;
        }

        @Override
        public UartBackend openPty(String portName) {
            ptys.add(portName);
            return new StreamUartBackend("pty", null, new ByteArrayOutputStream(), () -> { });
        }

        @Override public void exitProcess(int status) { throw new AssertionError("exit " + status); }
    }

    @Test
    void stdioCarriesBothDirectionsAndRestoresTheTerminal() throws Exception {
        CountingHooks hooks = new CountingHooks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UartBackendFactory f = new UartBackendFactory(hooks, new ByteArrayInputStream("ok\n".getBytes()), out);
        UartBackend b = f.open("com1", "stdio");
        assertEquals(1, hooks.raw.get());
        b.write('G');
        assertEquals("G", out.toString());
        LinkedBlockingQueue<Integer> got = new LinkedBlockingQueue<>();
        b.start("com1", got::put);
        assertEquals('o', got.poll(5, TimeUnit.SECONDS));
        assertEquals('k', got.poll(5, TimeUnit.SECONDS));
        assertEquals('\n', got.poll(5, TimeUnit.SECONDS));
        b.close();
        b.close();
        assertEquals(1, hooks.restored.get());
    }

    @Test
    void readerThreadIsANamedPlatformThread() throws Exception {
        UartBackendFactory f = new UartBackendFactory(new CountingHooks(), new ByteArrayInputStream(new byte[] {1}),
                new ByteArrayOutputStream());
        UartBackend b = f.open("com2", "stdio");
        LinkedBlockingQueue<String> names = new LinkedBlockingQueue<>();
        b.start("com2", x -> names.put(Thread.currentThread().getName() + "/" + Thread.currentThread().isVirtual()));
        assertEquals("uart com2/false", names.poll(5, TimeUnit.SECONDS));
        b.close();
    }

    @Test
    void stdioOnlyOnce() {
        UartBackendFactory f = new UartBackendFactory(new CountingHooks(), new ByteArrayInputStream(new byte[0]),
                new ByteArrayOutputStream());
        f.open("com1", "stdio");
        ConfigException e = assertThrows(ConfigException.class, () -> f.open("com2", "stdio"));
        assertTrue(e.getMessage().startsWith("com2:"), e.getMessage());
    }

    @Test
    void unsetMeansUnconnected() {
        assertNull(new UartBackendFactory(new CountingHooks()).open("com3", null));
    }

    @Test
    void regularFileIsAnOutputLog() throws Exception {
        Path log = dir.resolve("console.log");
        UartBackend b = new UartBackendFactory(new CountingHooks()).open("com1", log.toString());
        for (byte c : "boot\n".getBytes()) b.write(c);
        b.start("com1", x -> fail("a log file gives no input"));
        b.close();
        assertEquals("boot\n", Files.readString(log));
    }

    @Test
    void fifoIsOpenedForBothDirectionsWithoutWaitingForAPeer() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mk.waitFor());
        CountingHooks hooks = new CountingHooks();
        UartBackend b = new UartBackendFactory(hooks).open("com1", fifo.toString());
        LinkedBlockingQueue<Integer> got = new LinkedBlockingQueue<>();
        b.start("com1", got::put);
        b.write('E');   // a FIFO opened read-write reads back what was written
        assertEquals('E', got.poll(5, TimeUnit.SECONDS));
        assertEquals(1, hooks.raw.get(), "terminal mode asked for the device");
        b.close();
        assertEquals(1, hooks.restored.get());
    }

    @Test
    void autoptyGoesThroughTheHooksAndPlainJavaRefusesIt() {
        CountingHooks hooks = new CountingHooks();
        assertNotNull(new UartBackendFactory(hooks).open("com4", "autopty"));
        assertEquals(List.of("com4"), hooks.ptys);
        ConfigException e = assertThrows(ConfigException.class,
                () -> new UartBackendFactory(HostHooks.plainJava()).open("com4", "autopty"));
        assertTrue(e.getMessage().contains("autopty"), e.getMessage());
    }

    @Test
    void tcpBackendIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new UartBackendFactory(new CountingHooks()).open("com1", "tcp=127.0.0.1:4444"));
        assertTrue(e.getMessage().contains("not implemented"), e.getMessage());
    }

    @Test
    void unopenablePathIsAConfigurationError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new UartBackendFactory(new CountingHooks()).open("com1", dir.resolve("no/such/dir/x").toString()));
        assertTrue(e.getMessage().startsWith("com1: cannot open"), e.getMessage());
    }
}
