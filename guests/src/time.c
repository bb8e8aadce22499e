/* Time from the TSC. Its rate is measured against the ACPI PM timer (3.579545 MHz) when the FADT
   has one; otherwise taken from CPUID; failing both a 3 GHz guess is used. Only the AP start-up
   delays, the failure timeouts and the benchmarks' rates depend on it, so a wrong guess slows or
   speeds them, no more.
   The rate is worked out on first use, not at boot: the measurement spins 2 ms and reads the PM
   timer ~60 times (each a VM exit), which a mode that never waits (poweroff, the start-up
   benchmark's guest) would otherwise spend on one platform and not on another (QEMU's microvm has
   no PM timer). The first use must be in kernel mode (the PM timer is an I/O port); main measures
   before it enters a user mode, and the BSP before it starts APs (its INIT-SIPI delays). */
#include "guest.h"

#define PM_TIMER_HZ 3579545UL

static u64 khz;
static const char *source = "none";
static u64 tsc_start;

static bool calibrate_pm_timer(void)
{
    const struct gas *t = &acpi.fadt.pm_tmr;
    if (!acpi.fadt.present || !gas_valid(t))
        return false;
    u32 mask = (acpi.fadt.flags & (1u << 8)) ? 0xFFFFFFFFu : 0xFFFFFFu;
    u32 p0 = (u32)gas_read(t, 4) & mask;
    u64 t0 = rdtsc();
    u32 ticks = 0;
    /* 2 ms; each timer read is an exit, so this is also bounded by a loop count. */
    for (int i = 0; i < 1000000 && ticks < 7159; i++)
        ticks = (((u32)gas_read(t, 4) & mask) - p0) & mask;
    u64 t1 = rdtsc();
    if (ticks < 7159)
        return false;
    khz = (t1 - t0) * PM_TIMER_HZ / ((u64)ticks * 1000);
    return khz != 0;
}

static bool from_cpuid(void)
{
    u32 r[4];
    cpuid(0x40000000, 0, r);
    if (r[0] >= 0x40000010 && r[0] < 0x40000100) {
        cpuid(0x40000010, 0, r);
        if (r[0]) {
            khz = r[0];
            source = "cpuid-40000010";
            return true;
        }
    }
    cpuid(0, 0, r);
    u32 max = r[0];
    if (max >= 0x15) {
        cpuid(0x15, 0, r);
        if (r[0] && r[1] && r[2]) {
            khz = (u64)r[2] * r[1] / r[0] / 1000;
            source = "cpuid-15";
            return true;
        }
    }
    if (max >= 0x16) {
        cpuid(0x16, 0, r);
        if (r[0] & 0xFFFF) {
            khz = (u64)(r[0] & 0xFFFF) * 1000;
            source = "cpuid-16";
            return true;
        }
    }
    return false;
}

void time_init(void)
{
    tsc_start = rdtsc();
}

u64 tsc_khz_get(void)
{
    if (khz == 0) {
        if (calibrate_pm_timer()) {
            source = "pm-timer";
        } else if (!from_cpuid()) {
            khz = 3000000;
            source = "assumed";
        }
    }
    return khz;
}

const char *tsc_source_get(void)
{
    tsc_khz_get();
    return source;
}

u64 time_now_us(void)
{
    return (rdtsc() - tsc_start) * 1000 / tsc_khz;
}

void udelay(u64 us)
{
    u64 end = rdtsc() + us * tsc_khz / 1000;
    while (rdtsc() < end)
        cpu_relax();
}
