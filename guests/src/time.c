/* Time from the TSC. Its rate is measured against the ACPI PM timer (3.579545 MHz) when the FADT
   has one; otherwise taken from CPUID; failing both a 3 GHz guess is used. Only the AP start-up
   delays and the failure timeouts depend on it, so a wrong guess slows or speeds them, no more. */
#include "guest.h"

#define PM_TIMER_HZ 3579545UL

u64 tsc_khz;
const char *tsc_source = "none";
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
    tsc_khz = (t1 - t0) * PM_TIMER_HZ / ((u64)ticks * 1000);
    return tsc_khz != 0;
}

static bool from_cpuid(void)
{
    u32 r[4];
    cpuid(0x40000000, 0, r);
    if (r[0] >= 0x40000010 && r[0] < 0x40000100) {
        cpuid(0x40000010, 0, r);
        if (r[0]) {
            tsc_khz = r[0];
            tsc_source = "cpuid-40000010";
            return true;
        }
    }
    cpuid(0, 0, r);
    u32 max = r[0];
    if (max >= 0x15) {
        cpuid(0x15, 0, r);
        if (r[0] && r[1] && r[2]) {
            tsc_khz = (u64)r[2] * r[1] / r[0] / 1000;
            tsc_source = "cpuid-15";
            return true;
        }
    }
    if (max >= 0x16) {
        cpuid(0x16, 0, r);
        if (r[0] & 0xFFFF) {
            tsc_khz = (u64)(r[0] & 0xFFFF) * 1000;
            tsc_source = "cpuid-16";
            return true;
        }
    }
    return false;
}

void time_init(void)
{
    tsc_start = rdtsc();
    if (calibrate_pm_timer()) {
        tsc_source = "pm-timer";
    } else if (!from_cpuid()) {
        tsc_khz = 3000000;
        tsc_source = "assumed";
    }
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
