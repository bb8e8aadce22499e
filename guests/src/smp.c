/* Starting the APs listed in the MADT with INIT-SIPI-SIPI through the local APIC, one at a time,
   so the BSP alone prints and the order of lines is fixed. Each AP checks in and halts. */
#include "guest.h"

#define APIC_BASE_MSR 0x1B
#define APIC_BASE_X2APIC (1u << 10)
#define APIC_ID 0x20
#define APIC_SVR 0xF0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define ICR_PENDING (1u << 12)
#define ICR_INIT_ASSERT 0xC500
#define ICR_INIT_DEASSERT 0x8500
#define ICR_STARTUP 0x0600

extern const u8 trampoline_start[], trampoline_end[];

u64 ap_stack_top;
static u8 ap_stacks[MAX_CPUS][4096] __attribute__((section(".stacks"), aligned(4096)));
static volatile u32 ap_checkin;
static volatile u32 ap_checkin_id;

static u64 apic_base(void) { return rdmsr(APIC_BASE_MSR) & 0xFFFFF000UL; }
static bool x2apic_mode(void) { return rdmsr(APIC_BASE_MSR) & APIC_BASE_X2APIC; }

u32 lapic_id(void)
{
    if (x2apic_mode())
        return (u32)rdmsr(0x802);
    return mmio_read32(apic_base() + APIC_ID) >> 24;
}

u32 madt_enabled_cpus(void)
{
    u32 n = 0;
    for (u32 i = 0; i < acpi.madt.ncpus; i++)
        n += acpi.madt.cpus[i].flags & 1;
    return n;
}

void ap_main(void)
{
    idt_load_current();
    ap_checkin_id = lapic_id();
    __atomic_store_n(&ap_checkin, 1, __ATOMIC_RELEASE);
    halt_forever();
}

static bool send_ipi(u32 apic, u32 cmd)
{
    if (x2apic_mode()) {
        wrmsr(0x830, ((u64)apic << 32) | cmd);
        return true;
    }
    u64 b = apic_base();
    mmio_write32(b + APIC_ICR_HI, apic << 24);
    mmio_write32(b + APIC_ICR_LO, cmd);
    u64 until = time_now_us() + 100000;
    while (mmio_read32(b + APIC_ICR_LO) & ICR_PENDING)
        if (time_now_us() > until)
            return false;
    return true;
}

static bool wait_checkin(u64 us)
{
    u64 until = time_now_us() + us;
    while (!__atomic_load_n(&ap_checkin, __ATOMIC_ACQUIRE))
        if (time_now_us() > until)
            return false;
    return true;
}

static bool start_ap(u32 apic, u32 index, u32 *reported)
{
    ap_stack_top = (u64)&ap_stacks[index + 1];
    ap_checkin = 0;
    u32 sipi = ICR_STARTUP | (TRAMPOLINE_BASE >> 12);
    if (!send_ipi(apic, ICR_INIT_ASSERT) || !send_ipi(apic, ICR_INIT_DEASSERT))
        return false;
    udelay(10000);
    if (!send_ipi(apic, sipi))
        return false;
    if (!wait_checkin(200) && (!send_ipi(apic, sipi) || !wait_checkin(500000)))
        return false;
    *reported = ap_checkin_id;
    return true;
}

u32 smp_start_aps(bool verbose)
{
    const struct madt_info *m = &acpi.madt;
    if (!m->present)
        fail("smp: no MADT");
    u32 bsp = lapic_id();
    u32 enabled = 0, up = 1;
    bool bsp_listed = false;
    for (u32 i = 0; i < m->ncpus; i++)
        if (m->cpus[i].flags & 1) {
            enabled++;
            bsp_listed |= m->cpus[i].apic_id == bsp;
        }
    if (!bsp_listed)
        fail("smp: the BSP (apic=%u) is not an enabled MADT entry", bsp);
    if (m->cpus_dropped)
        fail("smp: MADT lists more than %d cpus", MAX_CPUS);
    if (enabled > 1) {
        if (!boot_is_ram(TRAMPOLINE_BASE, 4096))
            fail("smp: trampoline page 0x%x is not RAM in the memmap", TRAMPOLINE_BASE);
        memcpy((void *)TRAMPOLINE_BASE, trampoline_start, trampoline_end - trampoline_start);
        if (!x2apic_mode())
            mmio_write32(apic_base() + APIC_SVR, 0x1FF);
    }
    u32 index = 0;
    for (u32 i = 0; i < m->ncpus; i++) {
        const struct cpu_entry *c = &m->cpus[i];
        if (!(c->flags & 1) || c->apic_id == bsp)
            continue;
        if (c->apic_id > 254 && !x2apic_mode()) {
            say("smp: cpu apic=%u not started (needs x2apic)", c->apic_id);
            continue;
        }
        u32 reported;
        if (!start_ap(c->apic_id, index++, &reported)) {
            say("smp: cpu apic=%u did not start", c->apic_id);
            continue;
        }
        if (reported != c->apic_id)
            fail("smp: cpu started as apic=%u reports apic=%u", c->apic_id, reported);
        up++;
        if (verbose)
            say("smp: cpu apic=%u up", c->apic_id);
    }
    return up;
}
