/* User-mode loops: how fast guest code runs at CPL 3 (native here) against CPL 0 (emulated
   here), and the cost of one port-I/O or MMIO exit round trip from user mode. Timing is by TSC. */
#include "guest.h"

static u64 spin(u64 ticks, u64 *iterations)
{
    u64 n = 0, t0 = rdtsc(), t;
    do {
        for (int i = 0; i < 1024; i++)
            __asm__ volatile("" : "+r"(n));
        n += 1024;
        t = rdtsc();
    } while (t - t0 < ticks);
    *iterations = n;
    return t - t0;
}

static void print_rate(const char *what, u64 count, u64 ticks)
{
    u64 r = rate_per_sec(count, ticks);
    say("%s iterations=%lu us=%lu per_sec=%lu.%lu", what, count, tsc_to_us(ticks), r / 10, r % 10);
}

/* Kernel part first (20 ms, for comparison), then CPL 3 for ms= (default 1000). */
static u64 userloop_user(u64 ms)
{
    if (cpl() != 3)
        fail("userloop: running at cpl=%u, expected 3", cpl());
    u64 n, ticks = spin(ms * tsc_khz, &n);
    print_rate("userloop: cpl=3", n, ticks);
    u64 t0 = rdtsc();
    u32 calls = 200;
    for (u32 i = 0; i < calls; i++)
        if (syscall1(SYS_NOP, i) != i + 1)
            fail("userloop: SYS_NOP(%u) returned a wrong value", i);
    u64 t = rdtsc() - t0;
    say("userloop: syscalls=%u us=%lu ns_per_syscall=%lu cpl_via_syscall=%lu", calls, tsc_to_us(t),
        tsc_to_us(t) * 1000 / calls, syscall1(SYS_CPL, 0));
    return n;
}

void mode_userloop(void)
{
    u64 n, ticks = spin(20 * tsc_khz, &n);
    print_rate("userloop: cpl=0", n, ticks);
    u64 user = user_run(userloop_user, opt_u64("ms", 1000));
    say("userloop: back at cpl=%u after %lu user iterations", cpl(), user);
}

/* The same loop at CPL 3 and at CPL 0: at CPL 3 each OUT is a direct exit on hardware with
   IOPL honoured, or a #GP the kernel completes (trapped=) where it is not (PVM). */
static u64 pio_loop(u64 count)
{
    u16 port = (u16)opt_u64("port", 0x80);
    u64 trapped0 = pio_trapped;
    u64 t0 = rdtsc();
    for (u64 i = 0; i < count; i++)
        outb(port, (u8)i);
    u64 t = rdtsc() - t0;
    u64 r = rate_per_sec(count, t);
    say("pio-loop: cpl=%u port=0x%x op=outb count=%lu us=%lu exits_per_sec=%lu.%lu ns_per_exit=%lu"
        " trapped=%lu", cpl(), port, count, tsc_to_us(t), r / 10, r % 10,
        count ? tsc_to_us(t) * 1000 / count : 0, pio_trapped - trapped0);
    return 0;
}

void mode_pio_loop(void)
{
    u64 count = opt_u64("count", 100000);
    user_run(pio_loop, count);
    pio_loop(count);
}

static u64 mmio_loop(u64 count)
{
    u64 addr = opt_u64("addr", 0);
    if (!addr) {
        if (!pci_access_init() || !pci_ecam_base())
            fail("mmio-loop: no ECAM to read and no addr= given");
        addr = pci_ecam_base();    /* vendor/device ID of 00:00.0: harmless, always there */
    }
    if (addr >= 0x100000000UL || (addr & 3))
        fail("mmio-loop: addr=0x%lx must be 4-byte aligned and below 4 GiB", addr);
    u32 first = mmio_read32(addr), v = 0;
    u64 t0 = rdtsc();
    for (u64 i = 0; i < count; i++)
        v |= mmio_read32(addr) ^ first;
    u64 t = rdtsc() - t0;
    u64 r = rate_per_sec(count, t);
    say("mmio-loop: cpl=%u addr=0x%lx op=read32 value=0x%08x count=%lu us=%lu exits_per_sec=%lu.%lu"
        " ns_per_exit=%lu", cpl(), addr, first, count, tsc_to_us(t), r / 10, r % 10,
        count ? tsc_to_us(t) * 1000 / count : 0);
    if (v)
        say("mmio-loop: value changed during the loop (xor 0x%x)", v);
    return 0;
}

void mode_mmio_loop(void)
{
    u64 count = opt_u64("count", 100000);
    user_run(mmio_loop, count);
    mmio_loop(count);
}
