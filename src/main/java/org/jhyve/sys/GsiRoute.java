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
     * KVM's default table, which KVM_SET_GSI_ROUTING replaces wholesale and so must be repeated:
     * GSI 0-15 reach both the PICs and the IOAPIC, GSI 16-23 only the IOAPIC.
     */
    static java.util.List<GsiRoute> kvmDefaults() {
        java.util.List<GsiRoute> out = new java.util.ArrayList<>();
        for (int g = 0; g < 24; g++) {
            out.add(new Irqchip(g, CHIP_IOAPIC, g));
            if (g < 16) out.add(new Irqchip(g, g < 8 ? CHIP_PIC_MASTER : CHIP_PIC_SLAVE, g % 8));
        }
        return out;
    }
}
