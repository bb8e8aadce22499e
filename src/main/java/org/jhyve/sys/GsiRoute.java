package org.jhyve.sys;

/** One entry of KVM's GSI routing table (struct kvm_irq_routing_entry). */
public sealed interface GsiRoute {
    int gsi();

    /** A GSI wired to a pin of the in-kernel PIC master (0), PIC slave (1) or IOAPIC (2). */
    record Irqchip(int gsi, int chip, int pin) implements GsiRoute { }

    /** A GSI that sends an MSI message. */
    record Msi(int gsi, long address, int data) implements GsiRoute { }

    int CHIP_PIC_MASTER = 0, CHIP_PIC_SLAVE = 1, CHIP_IOAPIC = 2;

    /**
     * The platform's wiring, which KVM_SET_GSI_ROUTING replaces wholesale and so must be repeated
     * with every change: GSI 0-15 reach the PICs and the IOAPIC, GSI 16-23 only the IOAPIC, as in
     * KVM's default table, except the PIT's GSI 0, which reaches IOAPIC pin 2 (not pin 0) because
     * the MADT's interrupt source override says ISA IRQ 0 is GSI 2 (bhyve's 8254 pulses IOAPIC
     * pin 2 too). GSI 2 itself is the PICs' cascade and wired to nothing.
     */
    static java.util.List<GsiRoute> platformDefaults() {
        java.util.List<GsiRoute> out = new java.util.ArrayList<>();
        for (int g = 0; g < 24; g++) {
            if (g == 2) continue;
            out.add(new Irqchip(g, CHIP_IOAPIC, g == 0 ? 2 : g));
            if (g < 16) out.add(new Irqchip(g, g < 8 ? CHIP_PIC_MASTER : CHIP_PIC_SLAVE, g % 8));
        }
        return out;
    }
}
