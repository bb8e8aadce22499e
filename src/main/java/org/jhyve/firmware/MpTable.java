package org.jhyve.firmware;

import java.util.List;
import org.jhyve.config.ConfigException;
import org.jhyve.firmware.acpi.Madt;

/**
 * Intel MultiProcessor Specification 1.4 tables: the 16-byte floating pointer at
 * {@code address} and the configuration table right after it, with one processor entry per
 * vCPU, a PCI bus (id 0) and an ISA bus (id 1), the IOAPIC, I/O interrupt entries for ISA IRQs
 * 0-15 and for every pin of every bus-0 slot, and the local interrupts (ExtINT on LINT0, NMI on
 * LINT1). Old or MP-only guests find the CPUs here; ACPI guests ignore it.
 */
public final class MpTable {
    public static final int FLOATING_POINTER_SIZE = 16;
    static final int HEADER_SIZE = 44;
    static final int SPEC_REV = 4;
    static final int PCI_BUS = 0;
    static final int ISA_BUS = 1;
    /** KVM's in-kernel LAPIC and IOAPIC report these versions. */
    static final int LAPIC_VERSION = 0x14;
    static final int IOAPIC_VERSION = 0x11;
    static final int INT = 0;
    static final int NMI = 1;
    static final int EXTINT = 3;
    /** I/O interrupt flags: polarity bits 0-1 (1 high, 3 low), trigger bits 2-3 (1 edge, 3 level). */
    static final int FLAGS_CONFORMS = 0;
    static final int FLAGS_LEVEL_HIGH = 0x0D;
    static final int FLAGS_LEVEL_LOW = 0x0F;

    private MpTable() {}

    public static byte[] build(PlatformInfo p, long address, int maxSize) {
        List<Integer> ids = p.apicIds();
        for (int id : ids) {
            if (id > 0xFE) {
                throw new ConfigException("APIC ID " + id + " does not fit the MP table; disable it with x86.mptable=false (-Y)");
            }
        }
        int ioapic = Madt.ioapicId(p);
        long configAddress = address + FLOATING_POINTER_SIZE;

        LeBuffer e = new LeBuffer(); // entries
        int count = 0;
        for (int cpu = 0; cpu < ids.size(); cpu++) {
            int flags = 0x01 | (cpu == 0 ? 0x02 : 0); // enabled; vCPU 0 is the bootstrap processor
            e.u8(0).u8(ids.get(cpu)).u8(LAPIC_VERSION).u8(flags)
                    .u32(p.cpu().signature()).u32(p.cpu().features()).zeros(8);
            count++;
        }
        e.u8(1).u8(PCI_BUS).ascii("PCI", 6, ' ');
        e.u8(1).u8(ISA_BUS).ascii("ISA", 6, ' ');
        count += 2;
        e.u8(2).u8(ioapic).u8(IOAPIC_VERSION).u8(0x01).u32(Layout.IOAPIC);
        count++;
        // ISA: pin 0 is the 8259's ExtINT, IRQ 0 goes to pin 2, the SCI is level/high, the rest identity-mapped.
        for (int pin = 0; pin < 16; pin++) {
            int type = pin == 0 ? EXTINT : INT;
            int irq = pin == 2 ? 0 : pin;
            int flags = pin == Layout.SCI_IRQ ? FLAGS_LEVEL_HIGH : FLAGS_CONFORMS;
            ioInterrupt(e, type, flags, ISA_BUS, irq, ioapic, pin);
            count++;
        }
        for (int slot : p.pciSlots()) {
            for (int pin = 0; pin < 4; pin++) {
                // PCI source IRQ: device number in bits 2-6, pin (0 = INTA#) in bits 0-1.
                ioInterrupt(e, INT, FLAGS_LEVEL_LOW, PCI_BUS, slot << 2 | pin, ioapic, PciFunction.gsi(slot, pin));
                count++;
            }
        }
        e.u8(4).u8(EXTINT).u16(FLAGS_CONFORMS).u8(ISA_BUS).u8(0).u8(0xFF).u8(0);
        e.u8(4).u8(NMI).u16(FLAGS_CONFORMS).u8(ISA_BUS).u8(0).u8(0xFF).u8(1);
        count += 2;

        int tableLength = HEADER_SIZE + e.size();
        if (FLOATING_POINTER_SIZE + tableLength > maxSize) {
            throw new ConfigException("MP table of " + (FLOATING_POINTER_SIZE + tableLength) + " bytes exceeds its "
                    + maxSize + "-byte area (" + ids.size() + " vCPUs); disable it with x86.mptable=false (-Y)");
        }
        LeBuffer b = new LeBuffer();
        b.ascii("_MP_", 4, ' ').u32(configAddress).u8(1).u8(SPEC_REV).u8(0)
                .u8(0)      // feature 1: a configuration table is present
                .u8(0)      // feature 2: no IMCR, virtual wire mode
                .zeros(3);
        int header = b.size();
        b.ascii("PCMP", 4, ' ').u16(tableLength).u8(SPEC_REV).u8(0)
                .ascii("JHYVE", 8, ' ').ascii("jhyve", 12, ' ')
                .u32(0).u16(0)          // no OEM table
                .u16(count).u32(Layout.LAPIC)
                .u16(0).u8(0).u8(0)     // no extended table
                .bytes(e.toByteArray());
        byte[] out = b.toByteArray();
        LeBuffer.fixChecksum(out, 10, 0, FLOATING_POINTER_SIZE);
        LeBuffer.fixChecksum(out, header + 7, header, tableLength);
        return out;
    }

    private static void ioInterrupt(LeBuffer e, int type, int flags, int bus, int irq, int ioapic, int pin) {
        e.u8(3).u8(type).u16(flags).u8(bus).u8(irq).u8(ioapic).u8(pin);
    }
}
