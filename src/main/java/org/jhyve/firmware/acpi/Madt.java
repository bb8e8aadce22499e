package org.jhyve.firmware.acpi;

import java.util.List;
import org.jhyve.firmware.Layout;
import org.jhyve.firmware.LeBuffer;
import org.jhyve.firmware.PlatformInfo;

/**
 * Multiple APIC Description Table (signature "APIC", revision 5): one enabled processor per
 * vCPU, KVM's in-kernel IOAPIC (24 pins from GSI 0), the two ISA interrupt overrides and the
 * LAPIC NMI on LINT1.
 */
public final class Madt {
    public static final int REVISION = 5;
    static final int PCAT_COMPAT = 1;
    static final int TYPE_LAPIC = 0;
    static final int TYPE_IOAPIC = 1;
    static final int TYPE_OVERRIDE = 2;
    static final int TYPE_LAPIC_NMI = 4;
    static final int TYPE_X2APIC = 9;
    static final int TYPE_X2APIC_NMI = 0x0A;
    static final int ENABLED = 1;
    /** MPS INTI flags: polarity in bits 0-1 (1 high, 3 low), trigger in bits 2-3 (1 edge, 3 level). */
    public static final int FLAGS_CONFORMS = 0x0000;
    public static final int FLAGS_EDGE_HIGH = 0x0005;
    public static final int FLAGS_LEVEL_HIGH = 0x000D;

    private Madt() {}

    /**
     * Processors get x2APIC entries when x2APIC mode is on (any ID then fits), else local APIC
     * entries; the ACPI processor UID equals the vCPU number.
     */
    public static byte[] build(PlatformInfo p) {
        LeBuffer b = AcpiHeader.begin("APIC", REVISION);
        b.u32(Layout.LAPIC).u32(PCAT_COMPAT);
        List<Integer> ids = p.apicIds();
        for (int cpu = 0; cpu < ids.size(); cpu++) {
            if (p.x2apic()) {
                b.u8(TYPE_X2APIC).u8(16).u16(0).u32(ids.get(cpu)).u32(ENABLED).u32(cpu);
            } else {
                b.u8(TYPE_LAPIC).u8(8).u8(cpu).u8(ids.get(cpu)).u32(ENABLED);
            }
        }
        b.u8(TYPE_IOAPIC).u8(12).u8(ioapicId(p)).u8(0).u32(Layout.IOAPIC).u32(0);
        // ISA IRQ 0 (the PIT) arrives on IOAPIC pin 2, as on every PC since the IOAPIC appeared.
        override(b, 0, 2, FLAGS_CONFORMS);
        override(b, Layout.SCI_IRQ, Layout.SCI_IRQ, FLAGS_LEVEL_HIGH);
        if (p.x2apic()) {
            b.u8(TYPE_X2APIC_NMI).u8(12).u16(FLAGS_EDGE_HIGH).u32(0xFFFFFFFFL).u8(1).zeros(3);
        } else {
            b.u8(TYPE_LAPIC_NMI).u8(6).u8(0xFF).u16(FLAGS_EDGE_HIGH).u8(1);
        }
        return AcpiHeader.finish(b);
    }

    /**
     * The IOAPIC's ID: the first 8-bit ID after the highest APIC ID (bhyve uses the vCPU count,
     * which is the same with its APIC ID = vCPU number), else the first free 8-bit ID. When
     * x2APIC vCPUs take all 255 IDs none is free; the IOAPIC ID then only names the IOAPIC in
     * the tables (x86-64 guests do not arbitrate on it), and bhyve's truncated vCPU count is used.
     */
    public static int ioapicId(PlatformInfo p) {
        int max = p.apicIds().stream().mapToInt(Integer::intValue).max().orElse(-1);
        if (max + 1 < 0xFF) return max + 1;
        for (int id = 0; id < 0xFF; id++) {
            if (!p.apicIds().contains(id)) return id;
        }
        return p.cpuCount() & 0xFF;
    }

    private static void override(LeBuffer b, int irq, int gsi, int flags) {
        b.u8(TYPE_OVERRIDE).u8(10).u8(0).u8(irq).u32(gsi).u16(flags);
    }
}
