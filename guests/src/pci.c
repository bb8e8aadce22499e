/* PCI bus 0 through ECAM (from the MCFG) or, without one, configuration mechanism #1 (0xCF8). */
#include "guest.h"

static u64 ecam;           /* bus 0 base, 0 = use ports */
static const char *ecam_source;
static bool have_ports;

static void pci_probe_access(void)
{
    ecam = 0;
    const struct mcfg_info *m = &acpi.mcfg;
    if (m->present && m->segment == 0 && m->bus_start == 0 && m->base + (1UL << 20) <= 0x100000000UL)
        ecam = m->base, ecam_source = "mcfg";
    else if (!m->present && acpi.cba && acpi.cba + (1UL << 20) <= 0x100000000UL)
        ecam = acpi.cba, ecam_source = "dsdt-cba";
    if (ecam && cpl())
        return;                    /* user mode: ECAM suffices, port probes would trap */
    outl(0xCF8, 0x80000000u);
    have_ports = inl(0xCF8) == 0x80000000u;
    outl(0xCF8, 0);
}

static u32 cfg_read(int dev, int fn, int off)
{
    if (ecam)
        return mmio_read32(ecam + ((u64)dev << 15) + ((u64)fn << 12) + (off & 0xFFC));
    outl(0xCF8, 0x80000000u | (dev << 11) | (fn << 8) | (off & 0xFC));
    return inl(0xCFC);
}

static void cfg_write(int dev, int fn, int off, u32 v)
{
    if (ecam) {
        mmio_write32(ecam + ((u64)dev << 15) + ((u64)fn << 12) + (off & 0xFFC), v);
        return;
    }
    outl(0xCF8, 0x80000000u | (dev << 11) | (fn << 8) | (off & 0xFC));
    outl(0xCFC, v);
}

static void print_bars(int dev, int fn, int nbars)
{
    u32 cmd = cfg_read(dev, fn, 0x04);
    /* Decoding off while sizing, so a BAR briefly at all-ones claims nothing. */
    cfg_write(dev, fn, 0x04, cmd & ~3u);
    for (int i = 0; i < nbars; i++) {
        int off = 0x10 + 4 * i;
        u32 orig = cfg_read(dev, fn, off);
        cfg_write(dev, fn, off, 0xFFFFFFFFu);
        u32 probe = cfg_read(dev, fn, off);
        cfg_write(dev, fn, off, orig);
        if (probe == 0)
            continue;
        if (orig & 1) {
            u32 size = ~(probe & 0xFFFFFFFCu) + 1;
            if (!(probe & 0xFFFF0000u))
                size &= 0xFFFF;
            say("pci: %02x:%02x.%d bar%d io addr=0x%x size=0x%x", 0, dev, fn, i, orig & ~3u, size);
            continue;
        }
        bool is64 = ((orig >> 1) & 3) == 2;
        bool pref = orig & 8;
        u64 addr = orig & ~0xFu, mask = probe & ~0xFu;
        if (is64 && i + 1 < nbars) {
            u32 orig_hi = cfg_read(dev, fn, off + 4);
            cfg_write(dev, fn, off + 4, 0xFFFFFFFFu);
            u32 probe_hi = cfg_read(dev, fn, off + 4);
            cfg_write(dev, fn, off + 4, orig_hi);
            addr |= (u64)orig_hi << 32;
            mask |= (u64)probe_hi << 32;
        } else {
            mask |= 0xFFFFFFFF00000000UL;
        }
        say("pci: %02x:%02x.%d bar%d %s addr=0x%lx size=0x%lx%s", 0, dev, fn, i,
            is64 ? "mem64" : "mem32", addr, ~mask + 1, pref ? " prefetchable" : "");
        if (is64)
            i++;
    }
    cfg_write(dev, fn, 0x04, cmd);
}

static void print_caps(int dev, int fn)
{
    if (!((cfg_read(dev, fn, 0x04) >> 16) & 0x10))
        return;
    char list[160];
    int n = 0;
    list[0] = 0;
    u32 p = cfg_read(dev, fn, 0x34) & 0xFC;
    for (int guard = 0; p && guard < 48; guard++) {
        u32 c = cfg_read(dev, fn, p);
        if (n < (int)sizeof list - 12)
            n += format(list + n, sizeof list - n, n ? ",0x%02x@0x%02x" : "0x%02x@0x%02x",
                              c & 0xFF, p);
        p = (c >> 8) & 0xFC;
    }
    say("pci: %02x:%02x.%d caps=%s", 0, dev, fn, list);
}

static int scan(bool full, bool print)
{
    int count = 0;
    for (int dev = 0; dev < 32; dev++) {
        int nfn = 1;
        for (int fn = 0; fn < nfn; fn++) {
            u32 id = cfg_read(dev, fn, 0x00);
            if ((id & 0xFFFF) == 0xFFFF || (id & 0xFFFF) == 0)
                continue;
            u32 cls = cfg_read(dev, fn, 0x08);
            u32 hdr = (cfg_read(dev, fn, 0x0C) >> 16) & 0xFF;
            if (fn == 0 && (hdr & 0x80))
                nfn = 8;
            count++;
            if (!print)
                continue;
            say("pci: %02x:%02x.%d id=%04x:%04x class=%06x rev=0x%02x", 0, dev, fn, id & 0xFFFF,
                id >> 16, cls >> 8, cls & 0xFF);
            if (!full)
                continue;
            u32 sub = cfg_read(dev, fn, 0x2C);
            u32 irq = cfg_read(dev, fn, 0x3C);
            u32 cmdsts = cfg_read(dev, fn, 0x04);
            say("pci: %02x:%02x.%d header=0x%02x command=0x%04x status=0x%04x subsystem=%04x:%04x"
                " int_pin=%u int_line=%u", 0, dev, fn, hdr, cmdsts & 0xFFFF, cmdsts >> 16,
                (hdr & 0x7F) == 0 ? sub & 0xFFFF : 0, (hdr & 0x7F) == 0 ? sub >> 16 : 0,
                (irq >> 8) & 0xFF, irq & 0xFF);
            print_bars(dev, fn, (hdr & 0x7F) == 0 ? 6 : (hdr & 0x7F) == 1 ? 2 : 0);
            print_caps(dev, fn);
        }
    }
    return count;
}

void pci_list(bool full)
{
    pci_probe_access();
    if (ecam)
        say("pci: access=ecam base=0x%lx source=%s", ecam, ecam_source);
    else if (have_ports)
        say("pci: access=ports");
    else {
        say("pci: none (no MCFG and no 0xcf8 configuration mechanism)");
        return;
    }
    say("pci: count=%d", scan(full, true));
}

int pci_scan_count(void)
{
    pci_probe_access();
    return ecam || have_ports ? scan(false, false) : 0;
}

bool pci_access_init(void)
{
    pci_probe_access();
    return ecam || have_ports;
}

u64 pci_ecam_base(void) { return ecam; }
u32 pci_cfg_read(int dev, int fn, int off) { return cfg_read(dev, fn, off); }
void pci_cfg_write(int dev, int fn, int off, u32 v) { cfg_write(dev, fn, off, v); }
