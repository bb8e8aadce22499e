package org.jhyve.devices.e1000;

import org.jhyve.config.ConfigException;
import org.jhyve.devices.DeviceContext;
import org.jhyve.devices.net.MacAddress;
import org.jhyve.devices.net.NetBackend;
import org.jhyve.devices.net.NetBackends;
import org.jhyve.devices.pci.BarKind;
import org.jhyve.devices.pci.PciConfigSpace;
import org.jhyve.devices.pci.PciDevice;
import org.jhyve.vm.GuestMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * bhyve's e1000: an Intel 82545EM gigabit NIC (8086:100F, subsystem 8086:1008) with its
 * register BAR (128 KiB, BAR 0), flash BAR (64 KiB, BAR 1) and I/O BAR (IOADDR/IODATA, BAR 2),
 * INTA. Legacy receive and transmit descriptor rings in guest RAM; transmit processed on the
 * thread that writes TDT, receive on the back end's thread. Checksum offload and TCP
 * segmentation are done in software, so the back end sees ordinary frames.
 *
 * <p>Guest mistakes never escape as exceptions: a descriptor or buffer outside RAM, head or tail
 * beyond the ring, a packet larger than the device can hold or offsets outside a packet stop
 * (rings) or drop (packets) with one log line, as a real device would master-abort; the ring
 * works again after a device reset or when the guest re-enables it.
 */
public final class E1000 extends PciDevice implements AutoCloseable {
    /** Looked up per message, not at class load: the first lookup loads the logging back end. */
    private static System.Logger log() { return System.getLogger("org.jhyve.devices.e1000"); }
    public static final int VENDOR = 0x8086, DEVICE = 0x100F, SUBSYS_VENDOR = 0x8086, SUBSYS_ID = 0x1008,
            CLASS_ETHERNET = 0x020000;
    /** The largest packet the transmit path assembles (a 64 KiB TSO payload plus headers). */
    static final int MAX_TX_PACKET = 65536 + 256;
    static final int MIN_FRAME = 60, CRC_LEN = 4, MAX_FRAME_CRC = 1522, MAX_LONG_FRAME_CRC = 16384;
    /**
     * Frames of one transmit pass go to the back end's batch (with io_uring: one system call for
     * up to this many); each waits in a slot of its own until the batch is sent, since the next
     * packet is assembled in the same buffer. A frame longer than a slot goes alone.
     */
    static final int TX_SLOTS = 32, TX_SLOT = 2048;

    private final NetBackend backend;
    private final MacAddress mac;
    private final GuestMemory memory;
    private final Eeprom eeprom;
    private final Phy phy = new Phy();
    private final Stats stats = new Stats();
    private final int[] regs = new int[Regs.REGISTER_BAR_SIZE / 4];
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private final MemorySegment txPacket, txScratch, rxFrame, txSlots;
    private NetBackend.TxBatch txBatch;   // the back end's, taken at the first frame
    private int txQueued;                 // frames in txSlots not sent yet
    private final CRC32 crc = new CRC32();
    private int icr, ims, ioAddr;

    // transmit state between descriptors of one packet
    private TxContext txContext = TxContext.NONE;
    private int txLen, txPopts;
    private boolean txFirst = true, txTse, txOversize, txFailed;

    // receive state
    private int rxPending;           // length of a frame read from the back end, waiting for descriptors
    private boolean rxStalled, rxFailed;

    /** A device on backend (null: no cable) with mac, doing DMA in memory. Call {@link #start}. */
    public E1000(NetBackend backend, MacAddress mac, GuestMemory memory) {
        super("e1000", PciConfigSpace.type0(VENDOR, DEVICE, CLASS_ETHERNET, 0));
        if (backend != null && backend.vnetHeaderLength() != 0) {
            throw new IllegalArgumentException("e1000 needs a back end without vnet header, " + backend.name() + " has one");
        }
        this.backend = backend;
        this.mac = mac;
        this.memory = memory;
        config.set16(PciConfigSpace.SUBSYS_VENDOR, SUBSYS_VENDOR);
        config.set16(PciConfigSpace.SUBSYS_ID, SUBSYS_ID);
        declareBar(0, BarKind.MEM32, false, Regs.REGISTER_BAR_SIZE);
        declareBar(1, BarKind.MEM32, false, Regs.FLASH_BAR_SIZE);
        declareBar(2, BarKind.IO, false, Regs.IO_BAR_SIZE);
        declareIntxPin(1);
        eeprom = new Eeprom(mac, VENDOR, DEVICE, SUBSYS_VENDOR, SUBSYS_ID);
        Arena arena = Arena.ofAuto();
        txPacket = arena.allocate(MAX_TX_PACKET + 4, 16);
        txScratch = arena.allocate(256 + 65536 + 4, 16);
        rxFrame = arena.allocate(NetBackend.MAX_FRAME + CRC_LEN + MIN_FRAME, 16);
        txSlots = arena.allocate((long) TX_SLOTS * TX_SLOT, 64);
        phy.setLink(backend != null);
        reset();
    }

    /**
     * The factory for {@code -s S[:F],e1000[,backend][,mac=xx:xx:xx:xx:xx:xx]}: MAC from mac= or
     * bhyve's default for the slot, function and VM name; the back end opened and listening.
     */
    public static E1000 create(DeviceContext ctx) {
        String[] parts = ctx.node().split("\\.");
        if (parts.length != 4) throw new IllegalArgumentException("e1000 node " + ctx.node() + " is not pci.B.S.F");
        int slot = Integer.parseInt(parts[2]), function = Integer.parseInt(parts[3]);
        String where = "e1000 at pci " + parts[1] + ":" + slot + ":" + function;
        if (ctx.memory() == null) throw new IllegalStateException(where + ": no guest memory for DMA");
        MacAddress mac;
        try {
            mac = MacAddress.fromConfig(ctx.get("mac"), slot, function, ctx.config().get("name"));
        } catch (ConfigException e) {
            throw new ConfigException(where + ": " + e.getMessage(), e);
        }
        NetBackend be = NetBackends.open(ctx.get("backend"), 0, where);
        try {
            E1000 d = new E1000(be, mac, ctx.memory());
            d.start();
            return d;
        } catch (RuntimeException e) {
            if (be != null) be.close();
            throw e;
        }
    }

    /** Starts reception (the back end's thread calls {@link #drain}). */
    public void start() {
        if (backend != null) backend.start(this::drain);
    }

    public MacAddress mac() { return mac; }

    public NetBackend backend() { return backend; }

    @Override
    public void close() {
        if (backend != null) backend.close();
    }

    // ---- BAR access ----

    @Override
    protected long barRead(int bar, long offset, int size) {
        synchronized (this) {
            switch (bar) {
                case 0 -> {
                    int off = (int) offset;
                    if (size == 8) return readReg(off) & 0xFFFFFFFFL | (long) readReg(off + 4) << 32;
                    return narrow(readReg(off & ~3), off & 3, size);
                }
                case 2 -> {
                    int v = (offset & ~3) == 0 ? ioAddr : (offset & ~3) == 4 ? ioData() : 0;
                    return narrow(v, (int) offset & 3, size);
                }
                default -> {
                    return size == 8 ? -1L : (1L << 8 * size) - 1;   // erased flash
                }
            }
        }
    }

    private int ioData() {
        return ioAddr >= 0 && ioAddr < Regs.REGISTER_BAR_SIZE ? readReg(ioAddr & ~3) : 0;
    }

    private static long narrow(int v, int byteOffset, int size) {
        long x = (v & 0xFFFFFFFFL) >>> 8 * byteOffset;
        return size >= 4 ? x : x & ((1L << 8 * size) - 1);
    }

    @Override
    protected void barWrite(int bar, long offset, int size, long value) {
        synchronized (this) {
            if (bar == 1) return;
            if (size != 4 && size != 8 || (offset & 3) != 0) {
                logOnce("narrow", "{0}: {1}-byte register write at 0x{2} ignored (the 8254x takes dwords)", this, size,
                        Long.toHexString(offset));
                return;
            }
            if (bar == 0) {
                writeReg((int) offset, (int) value);
                if (size == 8) writeReg((int) offset + 4, (int) (value >>> 32));
            } else if (bar == 2) {
                if (offset == 0) ioAddr = (int) value;
                else if (offset == 4 && ioAddr >= 0 && ioAddr < Regs.REGISTER_BAR_SIZE) writeReg(ioAddr & ~3, (int) value);
            }
        }
    }

    // ---- registers ----

    private int reg(int off) { return regs[off >>> 2]; }

    private void set(int off, int v) { regs[off >>> 2] = v; }

    /** A register read as the guest sees it (side effects: ICR and statistics clear). */
    int readReg(int off) {
        if (off < 0 || off >= Regs.REGISTER_BAR_SIZE) return 0;
        switch (off) {
            case Regs.CTRL, Regs.CTRL_DUP -> { return reg(Regs.CTRL); }
            case Regs.STATUS -> { return status(); }
            case Regs.EECD -> { return eeprom.readEecd(); }
            case Regs.ICR -> {
                int v = icr;
                icr = 0;
                updateInterrupt();
                return v;
            }
            case Regs.IMS -> { return ims; }
            case Regs.ICS, Regs.IMC -> { return 0; }
            default -> {
                if (off >= Regs.STATS_START && off < Regs.STATS_END) return stats.read(off);
                if (isStorage(off)) return reg(off);
                logOnce("r" + off, "{0}: read of unknown register 0x{1} returns 0", this, Integer.toHexString(off));
                return 0;
            }
        }
    }

    void writeReg(int off, int v) {
        if (off < 0 || off >= Regs.REGISTER_BAR_SIZE) return;
        switch (off) {
            case Regs.CTRL, Regs.CTRL_DUP -> {
                if ((v & Regs.CTRL_RST) != 0) {
                    reset();
                    return;
                }
                if ((v & Regs.CTRL_PHY_RST) != 0) phy.reset();
                set(Regs.CTRL, v & ~(Regs.CTRL_RST | Regs.CTRL_PHY_RST));
            }
            case Regs.STATUS -> { }
            case Regs.EECD -> eeprom.writeEecd(v);
            case Regs.EERD -> set(Regs.EERD, eeprom.eerd(v));
            case Regs.MDIC -> mdic(v);
            case Regs.ICR -> {
                icr &= ~v;
                updateInterrupt();
            }
            case Regs.ICS -> raise(v & Regs.ICR_VALID);
            case Regs.IMS -> {
                ims |= v & Regs.ICR_VALID;
                updateInterrupt();
            }
            case Regs.IMC -> {
                ims &= ~v;
                updateInterrupt();
            }
            case Regs.RCTL -> {
                boolean wasOn = (reg(Regs.RCTL) & Regs.RCTL_EN) != 0;
                set(Regs.RCTL, v);
                if (!wasOn && (v & Regs.RCTL_EN) != 0) rxFailed = false;
                wakeReceiver();
            }
            case Regs.TCTL -> {
                boolean wasOn = (reg(Regs.TCTL) & Regs.TCTL_EN) != 0;
                set(Regs.TCTL, v);
                if (!wasOn && (v & Regs.TCTL_EN) != 0) txFailed = false;
                transmit();
            }
            case Regs.RDBAL, Regs.TDBAL -> set(off, v & ~0xF);
            case Regs.RDLEN, Regs.TDLEN -> set(off, v & 0xFFF80);
            case Regs.RDH, Regs.TDH -> set(off, v & 0xFFFF);
            case Regs.RDT -> {
                set(off, v & 0xFFFF);
                wakeReceiver();
            }
            case Regs.TDT -> {
                set(off, v & 0xFFFF);
                transmit();
            }
            default -> {
                if (off >= Regs.STATS_START && off < Regs.STATS_END) return;   // read-only counters
                if (off >= Regs.RA && off < Regs.RA_END && (off & 4) != 0) {
                    set(off, v & (Regs.RAH_AV | 0x3FFFF));
                } else if (isStorage(off)) {
                    set(off, v);
                } else {
                    logOnce("w" + off, "{0}: write of 0x{1} to unknown register 0x{2} ignored", this,
                            Integer.toHexString(v), Integer.toHexString(off));
                }
            }
        }
    }

    /** Registers that simply hold what the guest writes (and that Linux and FreeBSD drivers use). */
    private static boolean isStorage(int off) {
        return switch (off) {
            case Regs.EERD, Regs.MDIC, Regs.CTRL_EXT, Regs.FLA, Regs.FCAL, Regs.FCAH, Regs.FCT, Regs.VET, Regs.ITR,
                 Regs.FCTTV, Regs.TXCW, Regs.RXCW, Regs.TIPG, Regs.AIFS, Regs.LEDCTL, Regs.PBA, Regs.FCRTL,
                 Regs.FCRTH, Regs.RDFH, Regs.RDFT, Regs.RDFHS, Regs.RDFTS, Regs.RDFPC, Regs.RDBAL, Regs.RDBAH,
                 Regs.RDLEN, Regs.RDH, Regs.RDT, Regs.RDTR, Regs.RXDCTL, Regs.RADV, Regs.RSRPD, Regs.TXDMAC,
                 Regs.TDFH, Regs.TDFT, Regs.TDFHS, Regs.TDFTS, Regs.TDFPC, Regs.TDBAL, Regs.TDBAH, Regs.TDLEN,
                 Regs.TDH, Regs.TDT, Regs.TIDV, Regs.TXDCTL, Regs.TADV, Regs.TSPMT, Regs.RXCSUM, Regs.WUC,
                 Regs.WUFC, Regs.WUS, Regs.MANC, Regs.IPAV, Regs.WUPL, Regs.RCTL, Regs.TCTL -> true;
            default -> off >= Regs.MTA && off < Regs.MTA_END || off >= Regs.RA && off < Regs.RA_END
                    || off >= Regs.VFTA && off < Regs.VFTA_END || off >= Regs.IP4AT && off < Regs.IP4AT_END
                    || off >= Regs.IP6AT && off < Regs.IP6AT_END || off >= Regs.WUPM && off < Regs.WUPM_END
                    || off >= Regs.FFLT && off < Regs.FFLT_END || off >= Regs.FFMT && off < Regs.FFMT_END
                    || off >= Regs.FFVT && off < Regs.FFVT_END;
        };
    }

    private int status() {
        boolean link = backend != null && (reg(Regs.CTRL) & Regs.CTRL_SLU) != 0;
        return Regs.STATUS_FD | Regs.STATUS_SPEED_1000 | (link ? Regs.STATUS_LU : 0);
    }

    private void mdic(int v) {
        int reg = v >>> Regs.MDIC_REG_SHIFT & 0x1F, phyAddr = v >>> Regs.MDIC_PHY_SHIFT & 0x1F;
        int out = v & ~(Regs.MDIC_READY | Regs.MDIC_ERROR);
        if (phyAddr != Phy.ADDRESS) {
            out |= Regs.MDIC_ERROR;
        } else if ((v & Regs.MDIC_OP_READ) != 0) {
            out = out & ~Regs.MDIC_DATA | phy.read(reg);
        } else if ((v & Regs.MDIC_OP_WRITE) != 0) {
            phy.write(reg, v & Regs.MDIC_DATA);
        } else {
            out |= Regs.MDIC_ERROR;
        }
        set(Regs.MDIC, out | Regs.MDIC_READY);
        if ((v & Regs.MDIC_IE) != 0) raise(Regs.ICR_MDAC);
    }

    /** Power-on and CTRL.RST state: registers cleared, RA[0] from the EEPROM, interrupts off. */
    private void reset() {
        java.util.Arrays.fill(regs, 0);
        set(Regs.CTRL, Regs.CTRL_FD | Regs.CTRL_SLU | Regs.CTRL_SPD_1000);
        set(Regs.VET, 0x8100);
        set(Regs.PBA, 0x30);
        set(Regs.LEDCTL, 0x07068302);
        set(Regs.RXCSUM, 0x300);
        set(Regs.RA, eeprom.word(0) | eeprom.word(1) << 16);
        set(Regs.RA + 4, eeprom.word(2) | Regs.RAH_AV);
        eeprom.reset();
        phy.reset();
        stats.clear();
        icr = 0;
        ims = 0;
        ioAddr = 0;
        txContext = TxContext.NONE;
        txLen = 0;
        txFirst = true;
        txOversize = false;
        txFailed = false;
        rxFailed = false;
        rxPending = 0;
        updateInterrupt();
        wakeReceiver();
    }

    // ---- interrupts ----

    private void raise(int causes) {
        icr |= causes;
        updateInterrupt();
    }

    private void updateInterrupt() { setIntx((icr & ims) != 0); }

    // ---- transmit ----

    /** Sends what lies between TDH and TDT (at most one ring's worth), on the caller's thread. */
    private void transmit() {
        if ((reg(Regs.TCTL) & Regs.TCTL_EN) == 0 || txFailed) return;
        int n = reg(Regs.TDLEN) / Regs.DESC_SIZE;
        if (n == 0) return;
        long base = (long) reg(Regs.TDBAH) << 32 | reg(Regs.TDBAL) & 0xFFFFFFFFL;
        int head = reg(Regs.TDH), tail = reg(Regs.TDT);
        if (head >= n || tail >= n) {
            txFailed = true;
            logOnce("txring", "{0}: transmit head {1} or tail {2} beyond a ring of {3}: transmit stopped until reset",
                    this, head, tail, n);
            return;
        }
        int causes = 0;
        try {
            while (head != tail) {
                MemorySegment d = memory.slice(base + (long) head * Regs.DESC_SIZE, Regs.DESC_SIZE);
                boolean rs = descriptor(d);
                head = head + 1 == n ? 0 : head + 1;
                set(Regs.TDH, head);
                if (rs) {
                    VarHandle.releaseFence();
                    d.set(JAVA_BYTE, 12, (byte) (d.get(JAVA_BYTE, 12) | Regs.TXD_STAT_DD));
                    causes |= Regs.ICR_TXDW;
                }
            }
            causes |= Regs.ICR_TXQE;
        } catch (GuestMemory.GuestMemoryException e) {
            txFailed = true;
            logOnce("txdma", "{0}: transmit DMA failed ({1}): transmit stopped until reset", this, e.getMessage());
        } finally {
            sendQueued();   // before the interrupt that reports them
        }
        if (causes != 0) raise(causes);
    }

    /** Handles one transmit descriptor; returns whether it asks for a status write-back (RS). */
    private boolean descriptor(MemorySegment d) {
        long addr = d.get(JAVA_LONG_UNALIGNED, 0);
        int lower = d.get(JAVA_INT_UNALIGNED, 8), upper = d.get(JAVA_INT_UNALIGNED, 12);
        int cmd = lower >>> 24;
        if ((cmd & Regs.TXD_CMD_DEXT) == 0) {
            append(addr, lower & 0xFFFF);
            if ((cmd & Regs.TXD_CMD_EOP) != 0) finishLegacy(cmd, lower >>> 16 & 0xFF, upper >>> 8 & 0xFF, upper >>> 16);
            return (cmd & Regs.TXD_CMD_RS) != 0;
        }
        int dtyp = lower >>> 20 & 0xF;
        if (dtyp == Regs.TXD_DTYP_CONTEXT) {
            txContext = TxContext.parse(d);
        } else if (dtyp == Regs.TXD_DTYP_DATA) {
            if (txFirst) {
                txPopts = upper >>> 8 & 0xFF;
                txTse = (cmd & Regs.TXD_CMD_TSE) != 0;
            }
            append(addr, lower & 0xFFFFF);
            if ((cmd & Regs.TXD_CMD_EOP) != 0) finishData(cmd, upper >>> 16);
        } else {
            logOnce("dtyp" + dtyp, "{0}: transmit descriptor type {1} ignored", this, dtyp);
        }
        return (cmd & Regs.TXD_CMD_RS) != 0;
    }

    private void append(long addr, int len) {
        txFirst = false;
        if (len == 0) return;
        if (txOversize || txLen + len > MAX_TX_PACKET) {
            txOversize = true;
            memory.slice(addr, len);   // still a DMA: an address outside RAM stops the ring
            return;
        }
        MemorySegment.copy(memory.slice(addr, len), 0, txPacket, txLen, len);
        txLen += len;
    }

    private void endPacket() {
        txLen = 0;
        txFirst = true;
        txOversize = false;
    }

    private boolean packetUsable() {
        if (txOversize) {
            logOnce("txbig", "{0}: transmit packet over {1} bytes dropped", this, MAX_TX_PACKET);
            return false;
        }
        return txLen > 0;
    }

    private void finishLegacy(int cmd, int cso, int css, int special) {
        try {
            if (!packetUsable()) return;
            if ((cmd & Regs.TXD_CMD_IC) != 0) TxOffload.legacyChecksum(txPacket, txLen, css, cso);
            wire(txPacket, txLen, (cmd & Regs.TXD_CMD_VLE) != 0, special);
        } catch (TxOffload.BadPacket e) {
            logOnce("txoffload", "{0}: transmit packet dropped: {1}", this, e.getMessage());
        } finally {
            endPacket();
        }
    }

    private void finishData(int cmd, int special) {
        boolean vle = (cmd & Regs.TXD_CMD_VLE) != 0;
        try {
            if (!packetUsable()) return;
            if (txTse && txContext.tse()) {
                stats.add(Stats.TSCTC, 1);
                TxOffload.segment(txPacket, txLen, txContext, txPopts, txScratch, (f, len) -> wire(f, len, vle, special));
            } else {
                TxOffload.contextChecksums(txPacket, txLen, txContext, txPopts);
                wire(txPacket, txLen, vle, special);
            }
        } catch (TxOffload.BadPacket e) {
            logOnce("txoffload", "{0}: transmit packet dropped: {1}", this, e.getMessage());
        } finally {
            endPacket();
        }
    }

    /** Puts one frame on the wire: VLAN tag inserted when asked and enabled, short frames padded. */
    private void wire(MemorySegment f, int len, boolean vle, int tag) {
        if (len < 14) return;
        if (vle && (reg(Regs.CTRL) & Regs.CTRL_VME) != 0) {
            MemorySegment.copy(f, 12, f, 16, len - 12);
            Checksum.put16(f, 12, reg(Regs.VET));
            Checksum.put16(f, 14, tag);
            len += 4;
        }
        if (len < MIN_FRAME && (reg(Regs.TCTL) & Regs.TCTL_PSP) != 0) {
            f.asSlice(len, MIN_FRAME - len).fill((byte) 0);
            len = MIN_FRAME;
        }
        int d0 = f.get(JAVA_BYTE, 0) & 0xFF;
        stats.sent(len + CRC_LEN, isBroadcast(f), (d0 & 1) != 0);
        if (backend == null) return;
        if (len > TX_SLOT) {   // a long frame: after those queued before it, alone
            sendQueued();
            backend.send(f.asSlice(0, len));
            return;
        }
        if (txQueued == TX_SLOTS) sendQueued();
        if (txBatch == null) txBatch = backend.txBatch();
        MemorySegment slot = txSlots.asSlice((long) txQueued * TX_SLOT, len);
        MemorySegment.copy(f, 0, slot, 0, len);
        // a new array per frame: C2 traps on stores into a MemorySegment[] field (VirtioNet's comment)
        txBatch.add(new MemorySegment[] {slot}, 1);
        txQueued++;
    }

    /** Hands the queued frames to the host; their slots are free again. */
    private void sendQueued() {
        if (txQueued == 0) return;
        txQueued = 0;
        txBatch.finish();
    }

    private static boolean isBroadcast(MemorySegment f) {
        for (int i = 0; i < 6; i++) if (f.get(JAVA_BYTE, i) != (byte) 0xFF) return false;
        return true;
    }

    // ---- receive ----

    private void wakeReceiver() {
        if (backend != null && rxStalled) {
            rxStalled = false;
            backend.resume();
        } else if (backend != null && (reg(Regs.RCTL) & Regs.RCTL_EN) == 0) {
            backend.resume();   // let the receive thread discard what queued while the receiver was off
        }
    }

    private enum Rx { DELIVERED, DROPPED, NO_ROOM }

    /**
     * The back end's receive handler: moves waiting frames into the receive ring until the back
     * end is empty (true) or the ring is full (false; RDT writes resume it). Frames that arrive
     * while the receiver is off are discarded, as on the wire.
     */
    public boolean drain() {
        synchronized (this) {
            int delivered = 0;
            try {
                while (true) {
                    if (rxPending == 0) {
                        int n = backend.receive(rxFrame.asSlice(0, NetBackend.MAX_FRAME));
                        if (n <= 0) return true;
                        rxPending = n;
                    }
                    if ((reg(Regs.RCTL) & Regs.RCTL_EN) == 0 || rxFailed) {
                        rxPending = 0;
                        continue;
                    }
                    Rx r = deliver(rxPending);
                    if (r == Rx.NO_ROOM) {
                        rxStalled = true;
                        return false;
                    }
                    rxPending = 0;
                    if (r == Rx.DELIVERED && ++delivered % 32 == 0) raise(Regs.ICR_RXT0);
                }
            } finally {
                if (delivered % 32 != 0) raise(Regs.ICR_RXT0);
            }
        }
    }

    private int rxBufferSize() {
        int rctl = reg(Regs.RCTL);
        int code = rctl >>> Regs.RCTL_BSIZE_SHIFT & 3;
        if ((rctl & Regs.RCTL_BSEX) != 0) return code == 0 ? 2048 : 32768 >>> code;   // 16384, 8192, 4096
        return 2048 >>> code;   // 2048, 1024, 512, 256
    }

    private Rx deliver(int frameLen) {
        MemorySegment f = rxFrame;
        int len = frameLen;
        if (len < 14) {
            stats.add(Stats.RUC, 1);
            return Rx.DROPPED;
        }
        if (!RxFilter.accepts(f, len, this::reg)) return Rx.DROPPED;
        boolean broadcast = isBroadcast(f), multicast = (f.get(JAVA_BYTE, 0) & 1) != 0;
        int tag = 0;
        boolean tagged = false;
        if ((reg(Regs.CTRL) & Regs.CTRL_VME) != 0 && len >= 18 && Checksum.u16(f, 12) == (reg(Regs.VET) & 0xFFFF)) {
            tag = Checksum.u16(f, 14);
            MemorySegment.copy(f, 16, f, 12, len - 16);
            len -= 4;
            tagged = true;
        }
        if (len < MIN_FRAME) {
            f.asSlice(len, MIN_FRAME - len).fill((byte) 0);
            len = MIN_FRAME;
        }
        if ((reg(Regs.RCTL) & Regs.RCTL_SECRC) == 0) {
            // the guest driver strips the 4 CRC bytes it expects at the end
            crc.reset();
            crc.update(f.asSlice(0, len).asByteBuffer());
            f.set(JAVA_INT_UNALIGNED, len, (int) crc.getValue());
            len += CRC_LEN;
        }
        int max = (reg(Regs.RCTL) & Regs.RCTL_LPE) != 0 ? MAX_LONG_FRAME_CRC : MAX_FRAME_CRC;
        if (len > max + ((reg(Regs.RCTL) & Regs.RCTL_SECRC) != 0 ? -CRC_LEN : 0)) {
            stats.add(Stats.ROC, 1);
            return Rx.DROPPED;
        }
        int n = reg(Regs.RDLEN) / Regs.DESC_SIZE;
        if (n == 0) return Rx.NO_ROOM;
        int head = reg(Regs.RDH), tail = reg(Regs.RDT);
        if (head >= n || tail >= n) {
            rxFailed = true;
            logOnce("rxring", "{0}: receive head {1} or tail {2} beyond a ring of {3}: receive stopped until re-enabled",
                    this, head, tail, n);
            return Rx.DROPPED;
        }
        int size = rxBufferSize();
        int need = (len + size - 1) / size;
        int free = tail >= head ? tail - head : tail + n - head;
        if (need > n - 1) {
            stats.add(Stats.RNBC, 1);
            return Rx.DROPPED;
        }
        if (need > free) {
            stats.add(Stats.RNBC, 1);
            return Rx.NO_ROOM;
        }
        long base = (long) reg(Regs.RDBAH) << 32 | reg(Regs.RDBAL) & 0xFFFFFFFFL;
        try {
            for (int off = 0, i = 0; i < need; i++, off += size) {
                MemorySegment d = memory.slice(base + (long) head * Regs.DESC_SIZE, Regs.DESC_SIZE);
                int chunk = Math.min(size, len - off);
                MemorySegment.copy(f, off, memory.slice(d.get(JAVA_LONG_UNALIGNED, 0), chunk), 0, chunk);
                boolean last = i == need - 1;
                d.set(JAVA_SHORT_UNALIGNED, 8, (short) chunk);
                d.set(JAVA_SHORT_UNALIGNED, 10, (short) 0);
                d.set(JAVA_SHORT_UNALIGNED, 14, (short) (last && tagged ? tag : 0));
                d.set(JAVA_BYTE, 13, (byte) 0);
                VarHandle.releaseFence();   // data and length before the DD bit the guest polls
                int status = Regs.RXD_STAT_DD | Regs.RXD_STAT_IXSM
                        | (last ? Regs.RXD_STAT_EOP | (tagged ? Regs.RXD_STAT_VP : 0) : 0);
                d.set(JAVA_BYTE, 12, (byte) status);
                head = head + 1 == n ? 0 : head + 1;
                set(Regs.RDH, head);
            }
        } catch (GuestMemory.GuestMemoryException e) {
            rxFailed = true;
            logOnce("rxdma", "{0}: receive DMA failed ({1}): receive stopped until re-enabled", this, e.getMessage());
            return Rx.DROPPED;
        }
        stats.received(len, broadcast, multicast);
        int left = tail >= head ? tail - head : tail + n - head;
        int threshold = n >> (1 + (reg(Regs.RCTL) >>> Regs.RCTL_RDMTS_SHIFT & 3));
        if (left <= threshold) raise(Regs.ICR_RXDMT0);
        return Rx.DELIVERED;
    }

    private void logOnce(String key, String format, Object... args) {
        if (logged.add(key)) log().log(System.Logger.Level.WARNING, format + " (reported once)", args);
    }
}
