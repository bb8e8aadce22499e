/* Copies what struct hvm_start_info points at into our own memory: the AP trampoline and
   anything else we write to low memory must not clobber the command line or the memmap. */
#include "guest.h"

#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info {
    u32 magic, version, flags, nr_modules;
    u64 modlist_paddr, cmdline_paddr, rsdp_paddr;
    u64 memmap_paddr;           /* version >= 1 */
    u32 memmap_entries, reserved;
};

struct boot_info boot;

void boot_capture(u64 start_info_paddr)
{
    boot.start_info = start_info_paddr;
    if (start_info_paddr == 0 || start_info_paddr >= 0x100000000UL)
        return;
    const struct hvm_start_info *si = (const void *)start_info_paddr;
    boot.magic_ok = si->magic == HVM_START_MAGIC;
    if (!boot.magic_ok)
        return;
    boot.version = si->version;
    boot.rsdp = si->rsdp_paddr;
    if (si->cmdline_paddr && si->cmdline_paddr < 0x100000000UL) {
        const char *c = (const char *)si->cmdline_paddr;
        u32 i = 0;
        for (; c[i] && i < sizeof boot.cmdline - 1; i++)
            boot.cmdline[i] = c[i];
        boot.cmdline[i] = 0;
    }
    if (si->version >= 1 && si->memmap_paddr && si->memmap_paddr < 0x100000000UL) {
        u32 n = si->memmap_entries;
        if (n > MAX_MEMMAP) {
            n = MAX_MEMMAP;
            boot.memmap_truncated = true;
        }
        memcpy(boot.memmap, (const void *)si->memmap_paddr, n * sizeof(struct memmap_entry));
        boot.memmap_entries = n;
    }
}

/* With no memmap (start_info version 0) we cannot tell, so we assume RAM. */
bool boot_is_ram(u64 addr, u64 len)
{
    if (boot.memmap_entries == 0)
        return true;
    for (u32 i = 0; i < boot.memmap_entries; i++) {
        const struct memmap_entry *e = &boot.memmap[i];
        if (e->type == 1 && addr >= e->addr && addr + len <= e->addr + e->size)
            return true;
    }
    return false;
}

const char *memmap_type_name(u32 type)
{
    switch (type) {
    case 1: return "ram";
    case 2: return "reserved";
    case 3: return "acpi";
    case 4: return "nvs";
    case 5: return "unusable";
    case 7: return "pmem";
    default: return "other";
    }
}
