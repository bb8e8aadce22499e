package org.jhyve.devices.net;

import org.jhyve.config.ConfigException;
import org.jhyve.net.NetNamespace;
import org.jhyve.sys.SysException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The tap back end against the real kernel, inside a network namespace the test creates. */
class TapBackendTest {
    static final byte[] GUEST_MAC = Frames.mac("02:00:00:00:00:02");
    static final byte[] GUEST_IP = Frames.ip("10.9.0.2"), HOST_IP = Frames.ip("10.9.0.1");

    @Test
    void createsAMissingTapBringsItUpAndRemovesItOnClose() throws Exception {
        NetNamespace.require();
        try (NetNamespace ns = NetNamespace.create("tap")) {
            ns.call(() -> {
                try (TapBackend t = TapBackend.open("tapt0", 0)) {
                    assertTrue(t.created());
                    assertEquals("tapt0", t.name());
                    String link = ns.exec("ip", "-o", "link", "show", "tapt0").out();
                    assertTrue(link.contains("<") && link.contains(",UP"), link);
                }
                return null;
            });
            assertNotEquals(0, ns.execAllowingFailure("ip", "link", "show", "tapt0").rc(), "a tap jhyve created goes away");
        }
    }

    @Test
    void usesAnExistingTapAndRefusesABusyOneOrANonTap() throws Exception {
        NetNamespace.require();
        try (NetNamespace ns = NetNamespace.create("tap")) {
            ns.exec("ip", "tuntap", "add", "tapt1", "mode", "tap");
            ns.exec("ip", "link", "add", "brt7", "type", "bridge");
            ns.call(() -> {
                try (TapBackend t = TapBackend.open("tapt1", 0)) {
                    assertFalse(t.created());
                    ConfigException busy = assertThrows(ConfigException.class, () -> TapBackend.open("tapt1", 0));
                    assertEquals("tapt1 is busy: another process (another guest?) has this tap open", busy.getMessage());
                }
                ConfigException notTap = assertThrows(ConfigException.class, () -> TapBackend.open("brt7", 0));
                assertEquals("brt7 exists but is not a tap interface", notTap.getMessage());
                ConfigException badName = assertThrows(ConfigException.class, () -> TapBackend.open("a/b", 0));
                assertTrue(badName.getMessage().contains("invalid interface name"), badName.getMessage());
                return null;
            });
            assertEquals(0, ns.execAllowingFailure("ip", "link", "show", "tapt1").rc(), "an existing tap stays");
        }
    }

    @Test
    void permissionErrorsSayWhatToDo() {
        assertEquals("not permitted to use tap3: it belongs to another user (create it for yours: "
                + "ip tuntap add tap3 mode tap user $USER)", TapBackend.explain("tap3", true, new SysException("TUNSETIFF", 1)));
        String missing = TapBackend.explain("tap3", false, new SysException("TUNSETIFF", 1));
        assertTrue(missing.startsWith("tap3 does not exist and creating it needs CAP_NET_ADMIN"), missing);
    }

    @Test
    void backendNamesFollowBhyve() {
        assertTrue(NetBackends.isTapName("tap0"));
        assertTrue(NetBackends.isTapName("vmnet3"));
        assertFalse(NetBackends.isTapName("eth0"));
        assertNull(NetBackends.open(null, 0, "e1000"));
        assertTrue(assertThrows(ConfigException.class, () -> NetBackends.open("netmap:em0", 0, "x")).getMessage()
                .contains("FreeBSD-only"));
        assertTrue(assertThrows(ConfigException.class, () -> NetBackends.open("slirp", 0, "x")).getMessage()
                .contains("not implemented"));
        assertEquals("x: unknown network backend 'bogus0' (a tap: tapN, vmnetN or the name of an existing tap interface)",
                assertThrows(ConfigException.class, () -> NetBackends.open("bogus0", 0, "x")).getMessage());
    }

    /** Collects frames on the back end's thread; answers "no room" while told to. */
    static final class Collector implements NetBackend.RxHandler {
        final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean full;
        NetBackend backend;
        final MemorySegment buf = Arena.ofAuto().allocate(NetBackend.MAX_FRAME);

        @Override
        public boolean drain() {
            calls.incrementAndGet();
            while (true) {
                if (full) return false;
                int n = backend.receive(buf);
                if (n == 0) return true;
                frames.add(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
        }

        /** The next frame of the given EtherType (after skip header bytes), or null after 5 s. */
        byte[] next(int skip, int etherType) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < end) {
                byte[] f = frames.poll(100, TimeUnit.MILLISECONDS);
                if (f != null && Frames.u16(f, skip + 12) == etherType) return f;
            }
            return null;
        }
    }

    static void send(NetBackend t, byte[] frame) {
        MemorySegment s = Arena.ofAuto().allocate(frame.length);
        s.copyFrom(MemorySegment.ofArray(frame));
        assertTrue(t.send(s));
    }

    /** Gives the host end of t the address 10.9.0.1, starts c on t and returns the host's ARP reply. */
    static byte[] askHost(NetNamespace ns, TapBackend t, Collector c) throws Exception {
        ns.exec("ip", "addr", "add", "10.9.0.1/24", "dev", t.name());
        c.backend = t;
        t.start(c);
        send(t, Frames.arpRequest(GUEST_MAC, GUEST_IP, HOST_IP));
        byte[] arp = c.next(0, 0x0806);
        assertNotNull(arp, "ARP reply");
        return arp;
    }

    @Test
    void theHostAnswersArpAndPingThroughTheTap() throws Exception {
        NetNamespace.require();
        try (NetNamespace ns = NetNamespace.create("tap")) {
            ns.call(() -> {
                try (TapBackend t = TapBackend.open("tapt2", 0)) {
                    Collector c = new Collector();
                    byte[] arp = askHost(ns, t, c);
                    assertEquals(2, Frames.u16(arp, 20), "ARP opcode reply");
                    assertArrayEquals(GUEST_MAC, java.util.Arrays.copyOfRange(arp, 0, 6));
                    assertArrayEquals(HOST_IP, java.util.Arrays.copyOfRange(arp, 28, 32));
                    byte[] hostMac = java.util.Arrays.copyOfRange(arp, 22, 28);

                    byte[] payload = Frames.pattern(56, 3);
                    send(t, Frames.ethernet(hostMac, GUEST_MAC, 0x0800,
                            Frames.ipv4(GUEST_IP, HOST_IP, 1, 77, Frames.icmpEcho(0x1234, 1, payload))));
                    byte[] reply = c.next(0, 0x0800);
                    assertNotNull(reply, "ICMP echo reply");
                    assertEquals(0, reply[34], "ICMP type echo reply");
                    assertEquals(0x1234, Frames.u16(reply, 38));
                    assertArrayEquals(payload, java.util.Arrays.copyOfRange(reply, 42, 42 + 56));
                }
                return null;
            });
        }
    }

    /**
     * A transmit batch (io_uring where the kernel allows) delivers every frame: 70 pings, more
     * than one ring's 64, in two parts each, and one in 30 parts (more than a batch slot holds,
     * sent alone); the host answers all 71.
     */
    @Test
    void aBatchDeliversEveryFrameAcrossRingsAndPartCounts() throws Exception {
        NetNamespace.require();
        try (NetNamespace ns = NetNamespace.create("tap")) {
            ns.call(() -> {
                try (TapBackend t = TapBackend.open("tapt5", 0)) {
                    Collector c = new Collector();
                    byte[] arp = askHost(ns, t, c);
                    byte[] hostMac = java.util.Arrays.copyOfRange(arp, 22, 28);
                    NetBackend.TxBatch batch = t.txBatch();
                    Arena arena = Arena.ofAuto();
                    for (int seq = 0; seq <= 70; seq++) {
                        byte[] f = Frames.ethernet(hostMac, GUEST_MAC, 0x0800,
                                Frames.ipv4(GUEST_IP, HOST_IP, 1, 77, Frames.icmpEcho(0x4321, seq, Frames.pattern(56, seq))));
                        int pieces = seq == 70 ? 30 : 2;
                        MemorySegment[] parts = new MemorySegment[pieces];
                        int at = 0;
                        for (int i = 0; i < pieces; i++) {
                            int len = i == pieces - 1 ? f.length - at : Math.min(3, f.length - at - (pieces - 1 - i));
                            parts[i] = arena.allocate(len);
                            parts[i].copyFrom(MemorySegment.ofArray(java.util.Arrays.copyOfRange(f, at, at + len)));
                            at += len;
                        }
                        batch.add(parts, pieces);
                    }
                    assertEquals(71, batch.finish(), "every frame taken by the host");
                    java.util.Set<Integer> answered = new java.util.TreeSet<>();
                    for (byte[] r; answered.size() < 71 && (r = c.next(0, 0x0800)) != null; ) {
                        if (r[34] == 0 && Frames.u16(r, 38) == 0x4321) answered.add(Frames.u16(r, 40));
                    }
                    assertEquals(71, answered.size(), "echo replies for sequence numbers " + answered);
                    assertEquals(0, batch.finish(), "nothing added since");
                }
                return null;
            });
        }
    }

    @Test
    void vnetHeaderFramesCarryTheHeaderBothWays() throws Exception {
        NetNamespace.require();
        try (NetNamespace ns = NetNamespace.create("tap")) {
            ns.call(() -> {
                try (TapBackend t = TapBackend.open("tapt3", VnetHeader.LENGTH)) {
                    assertEquals(10, t.vnetHeaderLength());
                    assertTrue(t.setOffloads(org.jhyve.sys.Tun.TUN_F_CSUM | org.jhyve.sys.Tun.TUN_F_TSO4));
                    ns.exec("ip", "addr", "add", "10.9.0.1/24", "dev", "tapt3");
                    Collector c = new Collector();
                    c.backend = t;
                    t.start(c);
                    MemorySegment hdr = Arena.ofAuto().allocate(VnetHeader.LENGTH);
                    VnetHeader.NONE.write(hdr, VnetHeader.LENGTH);
                    byte[] arpReq = Frames.arpRequest(GUEST_MAC, GUEST_IP, HOST_IP);
                    MemorySegment body = Arena.ofAuto().allocate(arpReq.length);
                    body.copyFrom(MemorySegment.ofArray(arpReq));
                    assertTrue(t.send(hdr, body), "header and frame gathered from two buffers");
                    byte[] arp = c.next(VnetHeader.LENGTH, 0x0806);
                    assertNotNull(arp, "ARP reply behind a vnet header");
                    VnetHeader h = VnetHeader.read(MemorySegment.ofArray(arp), VnetHeader.LENGTH);
                    assertEquals(VnetHeader.GSO_NONE, h.gsoType());
                    assertEquals(2, Frames.u16(arp, VnetHeader.LENGTH + 20));
                }
                return null;
            });
        }
    }

    @Test
    void noRoomStopsReceptionUntilResume() throws Exception {
        NetNamespace.require();
        try (NetNamespace ns = NetNamespace.create("tap")) {
            ns.call(() -> {
                try (TapBackend t = TapBackend.open("tapt4", 0)) {
                    ns.exec("ip", "addr", "add", "10.9.0.1/24", "dev", "tapt4");
                    Collector c = new Collector();
                    c.backend = t;
                    c.full = true;
                    t.start(c);
                    send(t, Frames.arpRequest(GUEST_MAC, GUEST_IP, HOST_IP));
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (c.calls.get() == 0 && System.nanoTime() < end) Thread.sleep(10);
                    assertEquals(1, c.calls.get(), "the handler was asked once");
                    Thread.sleep(300);
                    assertEquals(1, c.calls.get(), "no busy loop while the front end has no room");
                    c.full = false;
                    t.resume();
                    assertNotNull(c.next(0, 0x0806), "the reply waited in the tap and arrives after resume");
                }
                return null;
            });
        }
    }
}
