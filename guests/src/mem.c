/* DMA memory for device modes: a bump allocator over RAM above the image, identity-mapped (so
   guest-physical = virtual = what devices are given). Only RAM the memmap lists is handed out,
   below 3 GiB (the identity map's cached part). Not zeroed: callers clear what they use. */
#include "guest.h"

extern char __image_end[];
static u64 next;

void *dma_alloc(u64 size, u64 align)
{
    if (!next)
        next = ((u64)__image_end + 0xFFFFF) & ~0xFFFFFUL;   /* 1 MiB past the image */
    u64 a = (next + align - 1) & ~(align - 1);
    if (a + size > 0xC0000000UL || !boot_is_ram(a, size))
        fail("mem: no RAM for 0x%lx bytes at 0x%lx (memmap)", size, a);
    next = a + size;
    return (void *)a;
}
