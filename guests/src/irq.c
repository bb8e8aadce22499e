/* ISA interrupts the way an ACPI OS takes them: through the I/O APIC pin the MADT names for the
   IRQ (its interrupt source override, else the pin of the same number), to this CPU's local APIC,
   with both 8259s masked so there is one path only. */
#include "guest.h"

#define IOAPIC 0xFEC00000UL
#define LAPIC 0xFEE00000UL

/* Routes ISA irq to vector (fixed, edge, unmasked) and returns the I/O APIC pin it used. */
u32 irq_route_isa(u32 irq, int vector, void (*handler)(void))
{
    static bool lapic_ready;
    extern void irq_spurious_stub(void);
    if (!lapic_ready) {
        idt_set_irq(0x2F, irq_spurious_stub);
        outb(0x21, 0xFF);
        outb(0xA1, 0xFF);
        mmio_write32(LAPIC + 0xF0, 0x100 | 0x2F);          /* enabled, spurious vector 0x2f */
        lapic_ready = true;
    }
    idt_set_irq(vector, handler);
    u32 pin = irq == 0 && acpi.madt.irq0_override ? acpi.madt.irq0_gsi : irq;
    u32 apic_id = mmio_read32(LAPIC + 0x20) >> 24;
    mmio_write32(IOAPIC, 0x10 + 2 * pin + 1);               /* redirection entry, high half */
    mmio_write32(IOAPIC + 0x10, apic_id << 24);
    mmio_write32(IOAPIC, 0x10 + 2 * pin);                   /* low half: fixed, edge, unmasked */
    mmio_write32(IOAPIC + 0x10, (u32)vector);
    return pin;
}

/*
 * The 8254's channel 0 as a 100 Hz rate generator, taken through the pin the MADT gives IRQ 0,
 * with the CPU halted between ticks: a PIT wired to another pin than the tables say never wakes
 * it (the test's time limit ends it then). Reports the tick count and the TSC time they took.
 */
#define PIT_HZ 1193182UL
#define TICKS 20

void pit_ticks(void)
{
    extern void irq_wake_stub(void);
    u32 divisor = PIT_HZ / 100;
    u32 pin = irq_route_isa(0, 0x28, irq_wake_stub);
    say("pit: irq0 on ioapic pin %u, %u ticks at 100 hz", pin, TICKS);
    outb(0x43, 0x34);                   /* channel 0, low then high byte, mode 2, binary */
    outb(0x40, divisor & 0xFF);
    outb(0x40, divisor >> 8);
    u64 t0 = rdtsc();
    for (int i = 0; i < TICKS; i++)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    u64 us = tsc_to_us(rdtsc() - t0);
    outb(0x43, 0x30);                   /* channel 0 back to mode 0 with no count: it stops */
    say("pit: %u ticks in %lu ms", TICKS, us / 1000);
}
