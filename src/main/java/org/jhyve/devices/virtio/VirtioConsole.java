package org.jhyve.devices.virtio;

import org.jhyve.config.ConfigException;
import org.jhyve.devices.DeviceContext;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * virtio-console with MULTIPORT (virtio 1.2 §5.3): up to 16 ports, each a Unix socket
 * ({@code port.N.name}, {@code port.N.path}; legacy form {@code name=path,...}). Queues: port 0
 * receive/transmit, control receive/transmit, then receive/transmit of ports 1..15. The control
 * protocol: the driver's DEVICE_READY is answered with DEVICE_ADD per port, each PORT_READY with
 * PORT_NAME and PORT_OPEN (whether a client is connected); client connects and disconnects send
 * PORT_OPEN again.
 */
public final class VirtioConsole extends VirtioDevice {
    public static final int MAX_PORTS = 16, RING_SIZE = 64, F_MULTIPORT = 1;
    public static final int DEVICE_READY = 0, DEVICE_ADD = 1, DEVICE_REMOVE = 2, PORT_READY = 3, CONSOLE_PORT = 4,
            RESIZE = 5, PORT_OPEN = 6, PORT_NAME = 7;
    static final int CONTROL_RX = 2, CONTROL_TX = 3;

    private final ConsolePort[] ports = new ConsolePort[MAX_PORTS];
    private final boolean[] ready = new boolean[MAX_PORTS];
    /** Ports an application in the guest has open (PORT_OPEN from the driver). */
    private final boolean[] guestOpen = new boolean[MAX_PORTS];
    private final ArrayDeque<byte[]> control = new ArrayDeque<>();
    private boolean deviceReady;

    private VirtioConsole() { }

    public static VirtioPci create(DeviceContext ctx) {
        VirtioConsole con = new VirtioConsole();
        String base = ctx.node() + ".port";
        List<String> ids = ctx.config().children(base);
        try {
            for (String n : ids) {
                int id;
                try {
                    id = Integer.parseInt(n);
                } catch (NumberFormatException e) {
                    throw new ConfigException("vtcon: invalid port number \"" + n + "\"");
                }
                if (id < 0 || id >= MAX_PORTS) throw new ConfigException("vtcon: port " + id + " is out of range 0.." + (MAX_PORTS - 1));
                String name = ctx.config().get(base + "." + n + ".name");
                String path = ctx.config().get(base + "." + n + ".path");
                if (name == null || path == null) throw new ConfigException("vtcon: port " + id + " needs both name and path");
                for (ConsolePort p : con.ports) {
                    if (p != null && p.name.equals(name)) throw new ConfigException("vtcon: port name " + name + " is used twice");
                }
                con.ports[id] = new ConsolePort(id, name, Path.of(path), () -> con.kickRx(id),
                        open -> con.connection(id, open), "virtio-console " + ctx.node() + " " + name);
            }
            VirtioPci pci = new VirtioPci(con, ctx);
            for (ConsolePort p : con.ports) if (p != null) p.start();
            return pci;
        } catch (RuntimeException e) {
            con.close();
            throw e;
        }
    }

    static int rxQueue(int port) { return port == 0 ? 0 : 2 + 2 * port; }

    static int txQueue(int port) { return rxQueue(port) + 1; }

    @Override public int type() { return TYPE_CONSOLE; }

    @Override public String name() { return "virtio-console"; }

    @Override
    public int[] queueSizes() {
        int[] s = new int[2 * (MAX_PORTS + 1)];
        java.util.Arrays.fill(s, RING_SIZE);
        return s;
    }

    @Override public long features() { return 1L << F_MULTIPORT; }

    @Override public int pciClass() { return 0x078000; }   // simple communication, other

    @Override
    public byte[] configSpace() {
        return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0).putShort((short) 0)
                .putInt(MAX_PORTS).putInt(0).array();
    }

    private void kickRx(int port) {
        if (transport != null) transport.kick(rxQueue(port));
    }

    /** A client connected or left: tell a driver that is ready for the port. */
    private void connection(int port, boolean open) {
        if (transport == null) return;
        synchronized (control) {
            if (!ready[port]) return;
            control.add(message(port, PORT_OPEN, open ? 1 : 0, null));
        }
        transport.kick(CONTROL_RX);
    }

    private static byte[] message(int id, int event, int value, byte[] extra) {
        ByteBuffer b = ByteBuffer.allocate(8 + (extra == null ? 0 : extra.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(id).putShort((short) event).putShort((short) value);
        if (extra != null) b.put(extra);
        return b.array();
    }

    @Override
    protected void queueNotify(int q) {
        if (q == CONTROL_TX) {
            controlTx();
            deliverControl();
        } else if (q == CONTROL_RX) {
            deliverControl();
        } else {
            int port = q < 2 ? 0 : (q - 2) / 2;
            if (q >= 2 && port == 0) return;
            ConsolePort p = ports[port];
            if (q % 2 == 1) transmit(q, p);
            else receive(q, p);
        }
    }

    private void transmit(int q, ConsolePort p) {
        Virtqueue vq = transport.queue(q);
        Chain c;
        boolean any = false;
        while ((c = vq.pop()) != null) {
            ChainReader r = c.reader();
            byte[] data = r.read((int) Math.min(r.remaining(), Integer.MAX_VALUE - 8));
            if (p != null) p.send(data);
            vq.push(c.head(), 0);
            any = true;
        }
        if (any) transport.interruptIfNeeded(q);
    }

    private void receive(int q, ConsolePort p) {
        if (p == null) return;
        synchronized (control) {
            if (deviceReady && !guestOpen[p.id]) return;   // multiport: only to a port the guest has open
        }
        Virtqueue vq = transport.queue(q);
        boolean any = false;
        while (p.hasInput() && vq.hasAvailable()) {
            Chain c = vq.pop();
            ChainWriter w = c.writer();
            byte[] data = p.take((int) Math.min(w.remaining(), ConsolePort.BUFFER));
            w.write(data);
            vq.push(c.head(), data.length);
            any = true;
        }
        if (any) transport.interruptIfNeeded(q);
    }

    private void controlTx() {
        Virtqueue vq = transport.queue(CONTROL_TX);
        Chain c;
        boolean any = false;
        while ((c = vq.pop()) != null) {
            ChainReader r = c.reader();
            if (r.remaining() < 8) throw new VirtioException("virtio-console control message of " + r.remaining() + " bytes");
            ByteBuffer m = ByteBuffer.wrap(r.read(8)).order(ByteOrder.LITTLE_ENDIAN);
            handleControl(m.getInt(0), m.getShort(4) & 0xFFFF, m.getShort(6) & 0xFFFF);
            vq.push(c.head(), 0);
            any = true;
        }
        if (any) transport.interruptIfNeeded(CONTROL_TX);
    }

    private void handleControl(int id, int event, int value) {
        int opened = -1;
        synchronized (control) {
            switch (event) {
                case DEVICE_READY -> {
                    if (value != 1 || deviceReady) return;
                    deviceReady = true;
                    for (ConsolePort p : ports) if (p != null) control.add(message(p.id, DEVICE_ADD, 0, null));
                }
                case PORT_READY -> {
                    if (id < 0 || id >= MAX_PORTS || ports[id] == null || value != 1) return;
                    ready[id] = true;
                    control.add(message(id, PORT_NAME, 1, ports[id].name.getBytes(StandardCharsets.UTF_8)));
                    control.add(message(id, PORT_OPEN, ports[id].connected() ? 1 : 0, null));
                }
                case PORT_OPEN -> {
                    // An application opened (1) or closed (0) the port. Linux drops what arrives
                    // for a port nobody has open, so input waits in the socket until then, as
                    // QEMU's virtio-serial does.
                    if (id < 0 || id >= MAX_PORTS || ports[id] == null) return;
                    guestOpen[id] = value == 1;
                    if (value == 1) opened = id;
                }
                default -> { }
            }
        }
        if (opened >= 0) kickRx(opened);   // input that waited for the open
    }

    private void deliverControl() {
        Virtqueue vq = transport.queue(CONTROL_RX);
        boolean any = false;
        while (true) {
            byte[] m;
            synchronized (control) {
                m = control.peek();
            }
            if (m == null || !vq.hasAvailable()) break;
            Chain c = vq.pop();
            ChainWriter w = c.writer();
            int n = (int) Math.min(m.length, w.remaining());
            w.write(m, 0, n);
            vq.push(c.head(), n);
            synchronized (control) { control.poll(); }
            any = true;
        }
        if (any) transport.interruptIfNeeded(CONTROL_RX);
    }

    @Override
    protected void start() {
        for (ConsolePort p : ports) if (p != null && p.hasInput()) kickRx(p.id);
    }

    @Override
    protected void stop() {
        synchronized (control) {
            control.clear();
            deviceReady = false;
            java.util.Arrays.fill(ready, false);
            java.util.Arrays.fill(guestOpen, false);
        }
    }

    /** The configured ports' socket paths (tests, diagnostics). */
    public List<Path> socketPaths() {
        List<Path> out = new ArrayList<>();
        for (ConsolePort p : ports) if (p != null) out.add(p.path);
        return out;
    }

    @Override
    protected void close() {
        for (ConsolePort p : ports) if (p != null) p.close();
    }
}
