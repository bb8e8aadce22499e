/* Finding a PCI function on bus 0 and making it usable for a driver: BARs sized, memory BARs
   the firmware left unassigned (QEMU microvm has no firmware) placed in the 32-bit window
   0xC0000000-0xE0000000 above every BAR already there, decoding and bus mastering on. */
#include "guest.h"

#define MEM32_WINDOW_BASE 0xC0000000UL
#define MEM32_WINDOW_END 0xE0000000UL

static u64 mem_next;

bool pci_find(u16 vendor, const u16 *devices, int ndevices, int index, struct pci_fn *out)
{
    if (!pci_access_init())
        fail("pci: no configuration access (no MCFG, no _CBA, no 0xcf8)");
    int seen = 0;
    for (int dev = 0; dev < 32; dev++) {
        int nfn = 1;
        for (int fn = 0; fn < nfn; fn++) {
            u32 id = pci_cfg_read(dev, fn, 0);
            if ((id & 0xFFFF) == 0xFFFF || (id & 0xFFFF) == 0)
                continue;
            if (fn == 0 && (pci_cfg_read(dev, fn, 0x0C) >> 16) & 0x80)
                nfn = 8;
            if ((id & 0xFFFF) != vendor)
                continue;
            for (int i = 0; i < ndevices; i++) {
                if ((id >> 16) != devices[i])
                    continue;
                if (seen++ != index)
                    break;
                memset(out, 0, sizeof *out);
                out->dev = dev, out->fn = fn, out->vendor = vendor, out->device = id >> 16;
                return true;
            }
        }
    }
    return false;
}

/* Highest end of any assigned 32-bit-window memory BAR on bus 0 (sized with decoding off). */
static u64 window_in_use(void)
{
    u64 top = MEM32_WINDOW_BASE;
    for (int dev = 0; dev < 32; dev++)
        for (int fn = 0; fn < 8; fn++) {
            u32 id = pci_cfg_read(dev, fn, 0);
            if ((id & 0xFFFF) == 0xFFFF || (id & 0xFFFF) == 0)
                continue;
            if ((pci_cfg_read(dev, fn, 0x0C) >> 16 & 0x7F) != 0)
                continue;
            u32 cmd = pci_cfg_read(dev, fn, 0x04) & 0xFFFF;
            pci_cfg_write(dev, fn, 0x04, cmd & ~3u);
            for (int i = 0; i < 6; i++) {
                int off = 0x10 + 4 * i;
                u32 b = pci_cfg_read(dev, fn, off);
                if (b & 1)
                    continue;
                pci_cfg_write(dev, fn, off, 0xFFFFFFFFu);
                u32 probe = pci_cfg_read(dev, fn, off);
                pci_cfg_write(dev, fn, off, b);
                u64 a = b & ~0xFUL, size = (u32)(~(probe & ~0xFu) + 1);
                if (probe && a >= MEM32_WINDOW_BASE && a < MEM32_WINDOW_END && a + size > top)
                    top = a + size;
                if (((b >> 1) & 3) == 2)
                    i++;
            }
            pci_cfg_write(dev, fn, 0x04, cmd);
        }
    return top;
}

void pci_enable(struct pci_fn *f)
{
    int d = f->dev, fn = f->fn;
    u32 cmd = pci_cfg_read(d, fn, 0x04) & 0xFFFF;
    pci_cfg_write(d, fn, 0x04, cmd & ~7u);
    bool io_unassigned = false;
    for (int i = 0; i < 6; i++) {
        int off = 0x10 + 4 * i;
        u32 orig = pci_cfg_read(d, fn, off);
        pci_cfg_write(d, fn, off, 0xFFFFFFFFu);
        u32 probe = pci_cfg_read(d, fn, off);
        pci_cfg_write(d, fn, off, orig);
        if (probe == 0)
            continue;
        if (orig & 1) {
            f->bar_io[i] = true;
            f->bar[i] = orig & ~3u;
            f->bar_size[i] = (~(probe & ~3u) + 1) & 0xFFFF;
            io_unassigned |= f->bar[i] == 0;
            continue;
        }
        bool is64 = ((orig >> 1) & 3) == 2;
        u64 addr = orig & ~0xFUL, mask = (probe & ~0xFUL) | 0xFFFFFFFF00000000UL;
        if (is64) {
            u32 hi = pci_cfg_read(d, fn, off + 4);
            pci_cfg_write(d, fn, off + 4, 0xFFFFFFFFu);
            mask = (mask & 0xFFFFFFFFUL) | (u64)pci_cfg_read(d, fn, off + 4) << 32;
            pci_cfg_write(d, fn, off + 4, hi);
            addr |= (u64)hi << 32;
        }
        u64 size = ~mask + 1;
        if (addr == 0) {
            if (!mem_next)
                mem_next = window_in_use();
            addr = (mem_next + size - 1) & ~(size - 1);
            if (addr + size > MEM32_WINDOW_END)
                fail("pci: %02x:%02x.%d bar%d: no room for 0x%lx bytes in the 32-bit window",
                     0, d, fn, i, size);
            mem_next = addr + size;
            pci_cfg_write(d, fn, off, (u32)addr | (orig & 0xF));
            if (is64)
                pci_cfg_write(d, fn, off + 4, 0);
        }
        if (addr + size > 0x100000000UL)
            fail("pci: %02x:%02x.%d bar%d at 0x%lx is above 4 GiB, outside the guest's map",
                 0, d, fn, i, addr);
        f->bar[i] = addr;
        f->bar_size[i] = size;
        if (is64)
            i++;
    }
    /* I/O decoding only when no I/O BAR sits unassigned at port 0. */
    pci_cfg_write(d, fn, 0x04, cmd | 0x6 | (io_unassigned ? 0 : 1));
}

u8 pci_cap_next(const struct pci_fn *f, u8 from, u8 id)
{
    if (!((pci_cfg_read(f->dev, f->fn, 0x04) >> 16) & 0x10))
        return 0;
    u8 p = from ? (pci_cfg_read(f->dev, f->fn, from) >> 8) & 0xFC
                : pci_cfg_read(f->dev, f->fn, 0x34) & 0xFC;
    for (int guard = 0; p && guard < 48; guard++) {
        u32 c = pci_cfg_read(f->dev, f->fn, p);
        if ((c & 0xFF) == id)
            return p;
        p = (c >> 8) & 0xFC;
    }
    return 0;
}
