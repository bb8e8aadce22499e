/* Entry from entry.S on the BSP in long mode: capture the boot data, pick the mode from the
   command line, run it. Every mode ends in a power-off, reset, halt or triple fault. */
#include "guest.h"

enum mode { NONE, DEMO, POWEROFF, RESET, KBDRESET, HALT, TRIPLEFAULT, SMP, ECHO, ACPI, PCI, SIGTERM, FAULT,
            USERLOOP, PIO_LOOP, MMIO_LOOP, VIRTIO_BLK, BLK_BENCH, BLK_RECORDS,
            VIRTIO_RNG, VIRTIO_CONSOLE, E1000, NET_BENCH, VIRTIO_NET, SYSCALL, PIT, LAST_MODE = PIT };

static const char *const mode_names[] = {
    [DEMO] = "demo", [POWEROFF] = "poweroff", [RESET] = "reset", [KBDRESET] = "kbdreset",
    [HALT] = "halt", [TRIPLEFAULT] = "triplefault", [SMP] = "smp", [ECHO] = "echo",
    [ACPI] = "acpi", [PCI] = "pci", [SIGTERM] = "sigterm", [FAULT] = "fault",
    [USERLOOP] = "userloop", [PIO_LOOP] = "pio-loop", [MMIO_LOOP] = "mmio-loop",
    [VIRTIO_BLK] = "virtio-blk", [BLK_BENCH] = "blk-bench", [BLK_RECORDS] = "blk-records",
    [VIRTIO_RNG] = "virtio-rng", [VIRTIO_CONSOLE] = "virtio-console", [E1000] = "e1000",
    [NET_BENCH] = "net-bench", [VIRTIO_NET] = "virtio-net", [SYSCALL] = "syscall", [PIT] = "pit",
};

/* Modes that run (mostly) in user mode: each returns and the BSP then powers off. */
void mode_userloop(void);
void mode_pio_loop(void);
void mode_mmio_loop(void);
void mode_virtio_blk(void);
void mode_blk_bench(void);
void mode_blk_records(void);
void mode_virtio_rng(void);
void mode_virtio_console(void);
void mode_e1000(void);
void mode_net_bench(void);
void mode_virtio_net(void);
void mode_syscall(void);
static void (*const user_modes[])(void) = {
    [USERLOOP] = mode_userloop, [PIO_LOOP] = mode_pio_loop, [MMIO_LOOP] = mode_mmio_loop,
    [VIRTIO_BLK] = mode_virtio_blk, [BLK_BENCH] = mode_blk_bench, [BLK_RECORDS] = mode_blk_records,
    [VIRTIO_RNG] = mode_virtio_rng, [VIRTIO_CONSOLE] = mode_virtio_console, [E1000] = mode_e1000,
    [NET_BENCH] = mode_net_bench, [VIRTIO_NET] = mode_virtio_net, [SYSCALL] = mode_syscall,
};

static u64 parse_hex(const char *s)
{
    u64 v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    for (; *s; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
              : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;
        if (d < 0)
            return ~0UL;
        v = v * 16 + d;
    }
    return v;
}

/* Words: one mode word, optionally `qemuexit` or `qemuexit=PORT`; other words are reported
   (after the cmdline line) and ignored so a VMM may add its own. Two mode words are an error. */
static const char *ignored[16];
static u32 nignored;

static enum mode parse_cmdline(const char **conflict)
{
    static char buf[sizeof boot.cmdline];
    memcpy(buf, boot.cmdline, sizeof buf);
    enum mode mode = NONE;
    char *p = buf;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = 0;
        enum mode m = NONE;
        for (int i = DEMO; i <= LAST_MODE; i++)
            if (streq(w, mode_names[i]))
                m = i;
        if (m != NONE) {
            if (mode != NONE)
                *conflict = w;
            else
                mode = m;
        } else if (streq(w, "qemuexit")) {
            qemuexit_fallback = true;
        } else if (memcmp(w, "qemuexit=", 9) == 0 && parse_hex(w + 9) < 0x10000) {
            qemuexit_fallback = true;
            qemuexit_port = (u16)parse_hex(w + 9);
        } else if (opts_set(w)) {
            /* a key=value option for the mode */
        } else if (nignored < 16) {
            ignored[nignored++] = w;
        }
    }
    return mode;
}

static void echo_loop(void)
{
    char line[256];
    u32 n = 0;
    bool overflow = false;
    say("echo: ready");
    for (;;) {
        char c;
        if (!serial_getc(&c)) {
            serial_wait_input();
            continue;
        }
        if (c != '\n' && c != '\r') {
            if (n < sizeof line - 1)
                line[n++] = c;
            else
                overflow = true;
            continue;
        }
        if (n == 0)
            continue;              /* the second half of CR LF, or a blank line */
        line[n] = 0;
        n = 0;
        if (overflow)
            fail("echo: input line longer than %d characters", (int)sizeof line - 1);
        say("echo: %s", line);
        if (streq(line, "quit"))
            power_off();
    }
}

static void show_cpus(void)
{
    u32 bsp = lapic_id();
    for (u32 i = 0; i < acpi.madt.ncpus; i++) {
        const struct cpu_entry *c = &acpi.madt.cpus[i];
        say("cpu: apic=%u uid=%u %s%s%s", c->apic_id, c->uid, c->flags & 1 ? "enabled" : "disabled",
            c->x2apic ? " x2apic" : "", c->apic_id == bsp ? " bsp" : "");
    }
}

static void start_all_or_fail(const char *what)
{
    u32 want = madt_enabled_cpus();
    u32 up = smp_start_aps(true);
    say("smp: %u of %u cpus up", up, want);
    if (up != want)
        fail("%s: only %u of %u cpus came up", what, up, want);
}

static void show_memory(void)
{
    if (boot.memmap_entries == 0) {
        say("mem: no memmap (start_info version %u)", boot.version);
        return;
    }
    u64 ram = 0;
    for (u32 i = 0; i < boot.memmap_entries; i++) {
        const struct memmap_entry *e = &boot.memmap[i];
        say("mem: base=0x%lx size=0x%lx type=%s", e->addr, e->size, memmap_type_name(e->type));
        if (e->type == 1)
            ram += e->size;
    }
    say("mem: ram=0x%lx mib=%lu%s", ram, ram >> 20, boot.memmap_truncated ? " truncated" : "");
}

void kmain(u32 start_info)
{
    serial_init();
    say("jhyve-testguest: start");
    boot_capture(start_info);
    idt_init();
    const char *conflict = NULL;
    enum mode mode = parse_cmdline(&conflict);
    const char *acpi_error = acpi_init();
    time_init();
    if (!boot.magic_ok)
        fail("start_info at 0x%x has no hvm_start_info magic 0x336ec578", start_info);
    say("boot: start_info=0x%x version=%u rsdp=0x%lx memmap_entries=%u", start_info, boot.version,
        boot.rsdp, boot.memmap_entries);
    say("cmdline: %s", boot.cmdline);
    for (u32 i = 0; i < nignored; i++)
        say("cmdline: ignoring word %s", ignored[i]);
    if (conflict)
        fail("more than one mode word in the command line (second: %s)", conflict);
    if (mode == NONE)
        fail("no mode word in the command line (demo poweroff reset kbdreset halt triplefault smp"
             " echo acpi pci sigterm fault userloop pio-loop mmio-loop virtio-blk blk-bench blk-records"
             " virtio-rng virtio-console e1000 net-bench virtio-net syscall pit)");
    say("mode: %s", mode_names[mode]);
    if (acpi_error && mode != RESET && mode != KBDRESET && mode != TRIPLEFAULT)
        fail("acpi: %s", acpi_error);

    if (mode < (int)(sizeof user_modes / sizeof user_modes[0]) && user_modes[mode]) {
        tsc_khz_get();   /* measured here, in kernel mode: user mode cannot reach the PM timer */
        user_modes[mode]();
        power_off();
    }
    switch (mode) {
    case DEMO:
        show_cpus();
        say("smp: %u of %u cpus up", smp_start_aps(true), madt_enabled_cpus());
        show_memory();
        pci_list(false);
        acpi_report(false);
        say("tsc: khz=%lu source=%s", tsc_khz, tsc_source);
        power_off();
    case POWEROFF:
        power_off();
    case RESET:
        reset_cf9();
    case KBDRESET:
        reset_kbd();
    case HALT:
        start_all_or_fail("halt");
        say("halt: all cpus halted");
        halt_forever();
    case TRIPLEFAULT:
        say("triplefault: empty idt then divide by zero");
        triple_fault();
    case SMP:
        start_all_or_fail("smp");
        power_off();
    case ECHO:
        echo_loop();
        break;
    case ACPI: {
        int n = acpi_report(true);
        if (n)
            fail("acpi: %d problems", n);
        say("acpi: ok tables=%d", acpi_tables_seen());
        power_off();
    }
    case PCI:
        pci_list(true);
        if (pci_scan_count() == 0)
            fail("pci: no device on bus 0");
        power_off();
    case PIT:
        pit_ticks();
        power_off();
    case SIGTERM:
        acpi_power_button_wait();
        break;
    case FAULT:
        /* Above the 4 GiB identity map: a #PF whose handler must print the FAIL line. */
        say("fault: reading unmapped address 0x100000000");
        (void)*(volatile u32 *)0x100000000UL;
        break;
    default:
        break;
    }
    fail("mode %d returned", mode);
}
