package org.jhyve.devices.pci;

/**
 * The 4 KiB configuration space of one PCI function: contents plus per-bit masks saying what a
 * guest write may change (read/write bits) and what a written one clears (write-1-to-clear bits).
 * Devices fill it with the {@code set*} methods, which ignore the masks; the guest path goes through
 * {@link #guestWrite}. Not synchronized: {@link PciDevice} serializes access.
 */
public final class PciConfigSpace {
    public static final int SIZE = 4096;
    /** Offsets of the standard header (type 0 and 1 share the first 16 bytes). */
    public static final int VENDOR = 0x00, DEVICE = 0x02, COMMAND = 0x04, STATUS = 0x06, REVISION = 0x08,
            PROG_IF = 0x09, SUBCLASS = 0x0A, CLASS = 0x0B, CACHE_LINE = 0x0C, LATENCY = 0x0D,
            HEADER_TYPE = 0x0E, BIST = 0x0F, BAR0 = 0x10, SUBSYS_VENDOR = 0x2C, SUBSYS_ID = 0x2E,
            ROM = 0x30, CAP_PTR = 0x34, INT_LINE = 0x3C, INT_PIN = 0x3D;
    /** Type 1 (PCI-to-PCI bridge) fields. */
    public static final int PRIMARY_BUS = 0x18, SECONDARY_BUS = 0x19, SUBORDINATE_BUS = 0x1A,
            SECONDARY_LATENCY = 0x1B, IO_BASE = 0x1C, IO_LIMIT = 0x1D, SECONDARY_STATUS = 0x1E,
            MEM_BASE = 0x20, MEM_LIMIT = 0x22, PREF_BASE = 0x24, PREF_LIMIT = 0x26,
            PREF_BASE_UPPER = 0x28, PREF_LIMIT_UPPER = 0x2C, IO_BASE_UPPER = 0x30, IO_LIMIT_UPPER = 0x32,
            BRIDGE_ROM = 0x38, BRIDGE_CONTROL = 0x3E;

    public static final int CMD_IO = 0x1, CMD_MEMORY = 0x2, CMD_BUS_MASTER = 0x4, CMD_INTX_DISABLE = 0x400;
    public static final int STATUS_INTX = 0x08, STATUS_CAP_LIST = 0x10;
    /** Command bits a guest may change (I/O, memory, bus master, special cycles, MWI, VGA snoop,
     * parity response, SERR#, fast back-to-back, INTx disable), as bhyve allows. */
    static final int COMMAND_WRITABLE = 0x077F;
    /** Status bits that are write-1-to-clear (parity and abort reports). */
    static final int STATUS_W1C = 0xF900;

    private static final int CAP_START = 0x40, CAP_END = 0x100, EXT_CAP_START = 0x100;

    private final byte[] data = new byte[SIZE];
    private final byte[] writable = new byte[SIZE];
    private final byte[] clearable = new byte[SIZE];
    private int lastCap;      // offset of the last standard capability, 0 when none
    private int capEnd = CAP_START;
    private int lastExtCap;   // offset of the last extended capability, 0 when none
    private int extCapEnd = EXT_CAP_START;

    private PciConfigSpace() { }

    /** A type 0 (endpoint) header. classCode is class &lt;&lt; 16 | subclass &lt;&lt; 8 | prog-if. */
    public static PciConfigSpace type0(int vendor, int device, int classCode, int revision) {
        PciConfigSpace c = common(vendor, device, classCode, revision, 0x00);
        c.set8(INT_LINE, 0xFF);   // no legacy interrupt until one is routed, as bhyve
        c.setWritable(INT_LINE, 1, 0xFF);
        return c;
    }

    /** A type 1 (PCI-to-PCI bridge) header with writable bus numbers and forwarding windows. */
    public static PciConfigSpace type1(int vendor, int device, int classCode, int revision) {
        PciConfigSpace c = common(vendor, device, classCode, revision, 0x01);
        c.setWritable(PRIMARY_BUS, 4, 0xFFFFFFFFL);
        c.set8(IO_BASE, 0x01);   // 32-bit I/O addressing
        c.set8(IO_LIMIT, 0x01);
        c.setWritable(IO_BASE, 2, 0xF0F0);
        c.setWritable(MEM_BASE, 4, 0xFFF0FFF0L);
        c.set16(PREF_BASE, 0x0001);   // 64-bit prefetchable window
        c.set16(PREF_LIMIT, 0x0001);
        c.setWritable(PREF_BASE, 4, 0xFFF0FFF0L);
        c.setWritable(PREF_BASE_UPPER, 4, 0xFFFFFFFFL);
        c.setWritable(PREF_LIMIT_UPPER, 4, 0xFFFFFFFFL);
        c.setWritable(IO_BASE_UPPER, 4, 0xFFFFFFFFL);
        c.setWritable(INT_LINE, 1, 0xFF);
        c.setWritable(BRIDGE_CONTROL, 2, 0x0FFF);
        c.setClearable(SECONDARY_STATUS, 2, STATUS_W1C);
        return c;
    }

    private static PciConfigSpace common(int vendor, int device, int classCode, int revision, int headerType) {
        PciConfigSpace c = new PciConfigSpace();
        c.set16(VENDOR, vendor);
        c.set16(DEVICE, device);
        c.set8(REVISION, revision);
        c.set8(PROG_IF, classCode);
        c.set8(SUBCLASS, classCode >> 8);
        c.set8(CLASS, classCode >> 16);
        c.set8(HEADER_TYPE, headerType);
        c.setWritable(COMMAND, 2, COMMAND_WRITABLE);
        c.setClearable(STATUS, 2, STATUS_W1C);
        c.setWritable(CACHE_LINE, 2, 0xFFFF);
        return c;
    }

    public int headerType() { return get8(HEADER_TYPE) & 0x7F; }

    // ---- device side: raw access, masks ignored ----

    public int get8(int off) { return data[off] & 0xFF; }

    public int get16(int off) { return get8(off) | get8(off + 1) << 8; }

    public int get32(int off) { return get16(off) | get16(off + 2) << 16; }

    public void set8(int off, int v) { data[off] = (byte) v; }

    public void set16(int off, int v) { set8(off, v); set8(off + 1, v >> 8); }

    public void set32(int off, int v) { set16(off, v); set16(off + 2, v >> 16); }

    /** Reads size (1, 2 or 4) bytes little-endian; the caller checks alignment. */
    public int read(int off, int size) {
        int v = 0;
        for (int i = size - 1; i >= 0; i--) v = v << 8 | get8(off + i);
        return v;
    }

    /** Marks which bits of size bytes at off a guest may write (1 = writable). */
    public void setWritable(int off, int size, long mask) {
        for (int i = 0; i < size; i++) writable[off + i] = (byte) (mask >>> (8 * i));
    }

    /** Marks bits of size bytes at off as write-1-to-clear. */
    public void setClearable(int off, int size, long mask) {
        for (int i = 0; i < size; i++) clearable[off + i] = (byte) (mask >>> (8 * i));
    }

    /** A guest write: writable bits take the new value, clearable bits written as 1 drop to 0. */
    public void guestWrite(int off, int size, int value) {
        for (int i = 0; i < size; i++) {
            int v = (value >>> (8 * i)) & 0xFF;
            int w = writable[off + i] & 0xFF;
            int c = clearable[off + i] & 0xFF;
            int old = data[off + i] & 0xFF;
            data[off + i] = (byte) (((old & ~w) | (v & w)) & ~(v & c));
        }
    }

    // ---- capability lists ----

    /**
     * Appends a standard capability (id, next pointer, then body) in 0x40-0xFF, dword aligned,
     * and links it into the list. Returns its offset; the body's registers start read-only:
     * the device marks writable ones with {@link #setWritable}.
     */
    public int addCapability(int id, byte[] body) {
        int len = (2 + body.length + 3) & ~3;
        int off = capEnd;
        if (off + len > CAP_END) {
            throw new IllegalStateException(String.format(
                    "no room for capability 0x%02x (%d bytes) at 0x%x: standard space ends at 0x100", id, len, off));
        }
        set8(off, id);
        set8(off + 1, 0);
        for (int i = 0; i < body.length; i++) set8(off + 2 + i, body[i]);
        if (lastCap == 0) {
            set8(CAP_PTR, off);
            set16(STATUS, get16(STATUS) | STATUS_CAP_LIST);
        } else {
            set8(lastCap + 1, off);
        }
        lastCap = off;
        capEnd = off + len;
        return off;
    }

    /** Appends a PCIe extended capability (header: id, version, next) at 0x100 and up. */
    public int addExtendedCapability(int id, int version, byte[] body) {
        int len = (4 + body.length + 3) & ~3;
        int off = extCapEnd;
        if (off + len > SIZE) {
            throw new IllegalStateException(String.format(
                    "no room for extended capability 0x%04x (%d bytes) at 0x%x", id, len, off));
        }
        set32(off, (id & 0xFFFF) | (version & 0xF) << 16);
        for (int i = 0; i < body.length; i++) set8(off + 4 + i, body[i]);
        if (lastExtCap != 0) {
            set32(lastExtCap, get32(lastExtCap) & 0x000FFFFF | off << 20);
        }
        lastExtCap = off;
        extCapEnd = off + len;
        return off;
    }

    /** The offset of the first standard capability with this id, or 0. */
    public int findCapability(int id) {
        if ((get16(STATUS) & STATUS_CAP_LIST) == 0) return 0;
        int seen = 0;
        for (int off = get8(CAP_PTR) & ~3; off >= CAP_START && seen < 48; off = get8(off + 1) & ~3, seen++) {
            if (get8(off) == id) return off;
        }
        return 0;
    }

    /** True when off lies inside the capability area built so far (0x40 up to the last capability). */
    public boolean inCapabilities(int off) {
        return lastCap != 0 && off >= CAP_START && off < capEnd;
    }
}
