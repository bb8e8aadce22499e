package org.jhyve.firmware;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * SMBIOS 2.8 tables: the 31-byte "_SM_"/"_DMI_" entry point at {@code address}, the structure
 * table right after it (16-byte aligned), with types 0 (BIOS), 1 (system), 2 (baseboard),
 * 3 (chassis), 4 (one per socket), 16 (memory array), 17 (one device per RAM range), 19 (one
 * mapping per RAM range), 32 (boot status) and 127 (end). Handles count from 0 in that order.
 */
public final class Smbios {
    public static final int ENTRY_POINT_SIZE = 0x1F;
    public static final int MAJOR = 2;
    public static final int MINOR = 8;

    static final int TYPE_BIOS = 0;
    static final int TYPE_SYSTEM = 1;
    static final int TYPE_BASEBOARD = 2;
    static final int TYPE_CHASSIS = 3;
    static final int TYPE_PROCESSOR = 4;
    static final int TYPE_MEMORY_ARRAY = 16;
    static final int TYPE_MEMORY_DEVICE = 17;
    static final int TYPE_ARRAY_MAPPED = 19;
    static final int TYPE_BOOT = 32;
    static final int TYPE_END = 127;

    /** BIOS characteristics (bhyve's): ISA, PCI, shadowing, CD boot, EDD. */
    static final long BIOS_FLAGS = 0x10 | 0x80 | 0x1000 | 0x8000 | 0x80000;
    /** Extension byte 1: ACPI. Extension byte 2: BIOS boot specification, virtual machine. */
    static final int BIOS_EXT1 = 0x01;
    static final int BIOS_EXT2 = 0x01 | 0x10;

    private Smbios() {}

    public static byte[] build(PlatformInfo p, long address) {
        List<byte[]> structures = new ArrayList<>();
        int handle = 0;
        structures.add(bios(p.smbios(), handle++));
        structures.add(system(p, handle++));
        int boardHandle = handle++;
        int chassisHandle = handle++;
        structures.add(baseboard(p.smbios(), boardHandle, chassisHandle));
        structures.add(chassis(p.smbios(), chassisHandle));
        for (int socket = 0; socket < p.topology().sockets(); socket++) {
            structures.add(processor(p, socket, handle++));
        }
        int arrayHandle = handle++;
        List<long[]> ranges = new ArrayList<>(); // {start, size}
        ranges.add(new long[] {0, p.lowMemory()});
        if (p.highMemory() > 0) ranges.add(new long[] {Layout.HIGH_RAM_START, p.highMemory()});
        structures.add(memoryArray(p, arrayHandle, ranges.size()));
        for (int i = 0; i < ranges.size(); i++) {
            structures.add(memoryDevice(p, handle++, arrayHandle, i, ranges.get(i)[1]));
        }
        for (long[] r : ranges) structures.add(arrayMapped(handle++, arrayHandle, r[0], r[1]));
        structures.add(structure(TYPE_BOOT, handle++, new LeBuffer().zeros(6).u8(0), List.of()));
        structures.add(structure(TYPE_END, handle, new LeBuffer(), List.of()));

        long tableAddress = address + 0x20; // the entry point, padded to 16 bytes
        LeBuffer table = new LeBuffer();
        int maxStructure = 0;
        for (byte[] s : structures) {
            table.bytes(s);
            maxStructure = Math.max(maxStructure, s.length);
        }
        if (table.size() > 0xFFFF) throw new IllegalStateException("SMBIOS structure table of " + table.size() + " bytes");

        LeBuffer b = new LeBuffer();
        b.ascii("_SM_", 4, ' ').u8(0).u8(ENTRY_POINT_SIZE).u8(MAJOR).u8(MINOR).u16(maxStructure)
                .u8(0).zeros(5)
                .ascii("_DMI_", 5, ' ').u8(0).u16(table.size()).u32(tableAddress).u16(structures.size())
                .u8((MAJOR << 4) | MINOR);
        b.align(16).bytes(table.toByteArray());
        byte[] out = b.toByteArray();
        LeBuffer.fixChecksum(out, 0x15, 0x10, 0x0F);            // intermediate: bytes 0x10..0x1E
        LeBuffer.fixChecksum(out, 0x04, 0, ENTRY_POINT_SIZE);  // entry point, after the intermediate one
        return out;
    }

    private static byte[] bios(SmbiosStrings s, int handle) {
        Strings str = new Strings();
        LeBuffer f = new LeBuffer()
                .u8(str.add(s.get("bios.vendor"))).u8(str.add(s.get("bios.version")))
                .u16(0xF000)            // BIOS segment
                .u8(str.add(s.get("bios.release_date")))
                .u8(0)                  // ROM size: 64 KiB
                .u64(BIOS_FLAGS).u8(BIOS_EXT1).u8(BIOS_EXT2)
                .u8(0).u8(0)            // system BIOS release
                .u8(0xFF).u8(0xFF);     // no embedded controller
        return structure(TYPE_BIOS, handle, f, str.list);
    }

    private static byte[] system(PlatformInfo p, int handle) {
        SmbiosStrings s = p.smbios();
        Strings str = new Strings();
        LeBuffer f = new LeBuffer()
                .u8(str.add(s.get("system.manufacturer"))).u8(str.add(s.get("system.product_name")))
                .u8(str.add(s.get("system.version"))).u8(str.add(s.get("system.serial_number")))
                .bytes(SystemUuid.smbiosBytes(p.uuid()))
                .u8(0x06)               // wake-up type: power switch
                .u8(str.add(s.get("system.sku"))).u8(str.add(s.get("system.family_name")));
        return structure(TYPE_SYSTEM, handle, f, str.list);
    }

    private static byte[] baseboard(SmbiosStrings s, int handle, int chassisHandle) {
        Strings str = new Strings();
        LeBuffer f = new LeBuffer()
                .u8(str.add(s.get("board.manufacturer"))).u8(str.add(s.get("board.product_name")))
                .u8(str.add(s.get("board.version"))).u8(str.add(s.get("board.serial_number")))
                .u8(str.add(s.get("board.asset_tag")))
                .u8(0x01)               // feature flags: hosting board
                .u8(str.add(s.get("board.location")))
                .u16(chassisHandle)
                .u8(0x0A)               // board type: motherboard
                .u8(0);                 // no contained objects
        return structure(TYPE_BASEBOARD, handle, f, str.list);
    }

    private static byte[] chassis(SmbiosStrings s, int handle) {
        Strings str = new Strings();
        LeBuffer f = new LeBuffer()
                .u8(str.add(s.get("chassis.manufacturer")))
                .u8(0x02)               // type: unknown
                .u8(str.add(s.get("chassis.version"))).u8(str.add(s.get("chassis.serial_number")))
                .u8(str.add(s.get("chassis.asset_tag")))
                .u8(0x03).u8(0x03).u8(0x03) // boot-up, power supply, thermal state: safe
                .u8(0x03)               // security status: none
                .u32(0)                 // OEM-defined
                .u8(0).u8(0)            // height, power cords: unspecified
                .u8(0).u8(0)            // no contained elements (count, record length)
                .u8(str.add(s.get("chassis.sku")));
        return structure(TYPE_CHASSIS, handle, f, str.list);
    }

    private static byte[] processor(PlatformInfo p, int socket, int handle) {
        CpuTopology t = p.topology();
        Strings str = new Strings();
        LeBuffer f = new LeBuffer()
                .u8(str.add("CPU #" + socket))
                .u8(0x03)               // central processor
                .u8(0x01)               // family: other
                .u8(str.add(p.cpu().manufacturer()))
                .u32(p.cpu().signature()).u32(p.cpu().features())
                .u8(str.add(p.cpu().version()))
                .u8(0)                  // voltage: unknown
                .u16(0).u16(0).u16(0)   // external clock, max and current speed: unknown
                .u8(0x41)               // socket populated, CPU enabled
                .u8(0x06)               // upgrade: none
                .u16(0xFFFF).u16(0xFFFF).u16(0xFFFF) // no cache structures
                .u8(str.add("None")).u8(str.add("None")).u8(str.add("None"))
                .u8(Math.min(t.cores(), 0xFF)).u8(Math.min(t.cores(), 0xFF))
                .u8(Math.min(t.threadsPerSocket(), 0xFF))
                .u16(0x04)              // 64-bit capable
                .u16(0x01);             // family 2: other
        return structure(TYPE_PROCESSOR, handle, f, str.list);
    }

    private static byte[] memoryArray(PlatformInfo p, int handle, int devices) {
        LeBuffer f = new LeBuffer()
                .u8(0x03)               // location: system board
                .u8(0x03)               // use: system memory
                .u8(0x03)               // error correction: none
                .u32(0x80000000L)       // maximum capacity: see the extended field
                .u16(0xFFFE)            // no error information
                .u16(devices)
                .u64(p.totalMemory());
        return structure(TYPE_MEMORY_ARRAY, handle, f, List.of());
    }

    private static byte[] memoryDevice(PlatformInfo p, int handle, int arrayHandle, int index, long size) {
        long mib = size >> 20;
        Strings str = new Strings();
        LeBuffer f = new LeBuffer()
                .u16(arrayHandle).u16(0xFFFE)
                .u16(64).u16(64)        // total and data width
                .u16(mib < 0x7FFF ? (int) mib : 0x7FFF)
                .u8(0x02)               // form factor: unknown
                .u8(0)                  // not part of a set
                .u8(str.add("DIMM " + index)).u8(str.add("BANK " + index))
                .u8(0x02)               // memory type: unknown
                .u16(0x0004)            // type detail: unknown
                .u16(0)                 // speed: unknown
                .u8(str.add(p.smbios().get("system.manufacturer")))
                .u8(str.add("None")).u8(str.add("None")).u8(str.add("None"))
                .u8(0)                  // rank: unknown
                .u32(mib < 0x7FFF ? 0 : mib)
                .u16(0).u16(0).u16(0).u16(0); // configured speed, voltages: unknown
        return structure(TYPE_MEMORY_DEVICE, handle, f, str.list);
    }

    private static byte[] arrayMapped(int handle, int arrayHandle, long start, long size) {
        long end = start + size - 1;
        // Addresses in KiB fit the 32-bit fields below 4 TiB; beyond, 0xFFFFFFFF selects the byte fields.
        boolean extended = (end >> 10) >= 0xFFFFFFFFL;
        LeBuffer f = new LeBuffer()
                .u32(extended ? 0xFFFFFFFFL : start >> 10)
                .u32(extended ? 0xFFFFFFFFL : end >> 10)
                .u16(arrayHandle)
                .u8(1)                  // partition width
                .u64(extended ? start : 0).u64(extended ? end : 0);
        return structure(TYPE_ARRAY_MAPPED, handle, f, List.of());
    }

    /** Header, formatted fields, then the string set (a double NUL when there are no strings). */
    private static byte[] structure(int type, int handle, LeBuffer fields, List<String> strings) {
        int length = 4 + fields.size();
        if (length > 0xFF) throw new IllegalStateException("SMBIOS type " + type + " formatted area of " + length + " bytes");
        LeBuffer b = new LeBuffer().u8(type).u8(length).u16(handle).bytes(fields.toByteArray());
        if (strings.isEmpty()) {
            b.u8(0).u8(0);
        } else {
            for (String s : strings) b.bytes(s.getBytes(StandardCharsets.UTF_8)).u8(0);
            b.u8(0);
        }
        return b.toByteArray();
    }

    /** A structure's string set; string numbers count from 1, and 0 means "no string". */
    private static final class Strings {
        final List<String> list = new ArrayList<>();

        int add(String s) {
            if (s.isEmpty()) return 0;
            if (s.indexOf('\0') >= 0) throw new IllegalArgumentException("SMBIOS string contains NUL: '" + s + "'");
            list.add(s);
            return list.size();
        }
    }
}
