/* virtio 1.x PCI transport (the vendor capabilities: common, notify, ISR, device config), the
   legacy (0.9.5) I/O BAR transport bhyve's devices use, and split virtqueues. Runs in user mode: registers are MMIO in the identity map; rings and
   buffers are identity-mapped RAM, so their addresses are what the device is given. */
#include "virtio.h"

#define CAP_VENDOR 0x09
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4

/* common configuration layout */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0C
#define C_NUMQ 0x12
#define C_STATUS 0x14
#define C_QSELECT 0x16
#define C_QSIZE 0x18
#define C_QMSIX 0x1A
#define C_QENABLE 0x1C
#define C_QNOTIFYOFF 0x1E
#define C_QDESC 0x20
#define C_QDRIVER 0x28
#define C_QDEVICE 0x30

#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40
#define S_FAILED 0x80

static u16 r16(u64 a) { return *(volatile u16 *)a; }
static void w16(u64 a, u16 v) { *(volatile u16 *)a = v; }
static void w64(u64 a, u64 v) { mmio_write32(a, (u32)v); mmio_write32(a + 4, (u32)(v >> 32)); }

/* Legacy I/O BAR layout (no MSI-X enabled, so the device configuration starts at 20). */
#define L_HOST_FEATURES 0
#define L_GUEST_FEATURES 4
#define L_QUEUE_PFN 8
#define L_QUEUE_NUM 12
#define L_QUEUE_SEL 14
#define L_QUEUE_NOTIFY 16
#define L_STATUS 18
#define L_QUEUE_VECTOR 22
#define L_CONFIG 20
#define L_CONFIG_MSIX 24

#define CAP_MSI 0x05
#define CAP_MSIX 0x11
#define LAPIC_BASE 0xFEE00000UL
#define LAPIC_ID 0x20
#define LAPIC_SVR 0xF0
#define LAPIC_IRR 0x200

u8 vcfg8(struct vdev *d, u32 off)
{
    return d->legacy ? inb(d->io + d->cfg_off + off) : mmio_read8(d->device + off);
}
u16 vcfg16(struct vdev *d, u32 off)
{
    return d->legacy ? inw(d->io + d->cfg_off + off) : r16(d->device + off);
}
u32 vcfg32(struct vdev *d, u32 off)
{
    return d->legacy ? inl(d->io + d->cfg_off + off) : mmio_read32(d->device + off);
}

static u8 get_status(struct vdev *d)
{
    return d->legacy ? inb(d->io + L_STATUS) : mmio_read8(d->common + C_STATUS);
}

static void set_status(struct vdev *d, u8 v)
{
    if (d->legacy)
        outb(d->io + L_STATUS, v);
    else
        mmio_write8(d->common + C_STATUS, v);
}
u64 vcfg64(struct vdev *d, u32 off)
{
    return vcfg32(d, off) | (u64)vcfg32(d, off + 4) << 32;
}

static const char *type_name(int t)
{
    return t == VIRTIO_NET ? "net" : t == VIRTIO_BLK ? "blk" : t == VIRTIO_CONSOLE ? "console"
         : t == VIRTIO_RNG ? "rng" : "other";
}

bool virtio_find(enum virtio_type type, int index, struct vdev *d, const char *name)
{
    static const u16 transitional[] = { [VIRTIO_NET] = 0x1000, [VIRTIO_BLK] = 0x1001,
                                        [VIRTIO_CONSOLE] = 0x1003, [VIRTIO_RNG] = 0x1005 };
    u16 ids[2] = { 0x1040 + type, transitional[type] };
    memset(d, 0, sizeof *d);
    d->name = name;
    if (!pci_find(0x1AF4, ids, 2, index, &d->pci))
        return false;
    pci_enable(&d->pci);
    for (u8 p = pci_cap_next(&d->pci, 0, CAP_VENDOR); p; p = pci_cap_next(&d->pci, p, CAP_VENDOR)) {
        u32 w0 = pci_cfg_read(d->pci.dev, d->pci.fn, p);
        u32 w1 = pci_cfg_read(d->pci.dev, d->pci.fn, p + 4);
        u32 off = pci_cfg_read(d->pci.dev, d->pci.fn, p + 8);
        u32 len = pci_cfg_read(d->pci.dev, d->pci.fn, p + 12);
        u8 cfg_type = w0 >> 24, bar = w1 & 0xFF;
        if (bar > 5 || d->pci.bar_io[bar] || !d->pci.bar[bar])
            continue;              /* I/O BARs and unknown BARs: not for the modern transport */
        if ((u64)off + len > d->pci.bar_size[bar])
            fail("%s: capability type %u at 0x%x: offset 0x%x + length 0x%x beyond bar%u size 0x%lx",
                 name, cfg_type, p, off, len, bar, d->pci.bar_size[bar]);
        u64 a = d->pci.bar[bar] + off;
        if (cfg_type == CFG_COMMON && !d->common)
            d->common = a;
        else if (cfg_type == CFG_NOTIFY && !d->notify_base) {
            d->notify_base = a;
            d->notify_mult = pci_cfg_read(d->pci.dev, d->pci.fn, p + 16);
        } else if (cfg_type == CFG_ISR && !d->isr)
            d->isr = a;
        else if (cfg_type == CFG_DEVICE && !d->device)
            d->device = a;
    }
    const char *want = opt_str("transport", NULL);
    if (want && !streq(want, "modern") && !streq(want, "legacy"))
        fail("cmdline: transport=%s is neither modern nor legacy", want);
    bool force_legacy = want && streq(want, "legacy");
    if (want && !force_legacy && !(d->common && d->notify_base))
        fail("%s: 00:%02x.%d has no virtio 1.x capabilities (transport=modern asked for)", name,
             d->pci.dev, d->pci.fn);
    if (d->common && d->notify_base && !force_legacy) {
        say("virtio: %02x:%02x.%d id=1af4:%04x type=%s transport=modern common=0x%lx notify=0x%lx"
            " mult=%u device=0x%lx", 0, d->pci.dev, d->pci.fn, d->pci.device, type_name(type),
            d->common, d->notify_base, d->notify_mult, d->device);
        return true;
    }
    if (d->pci.device >= 0x1040 || !d->pci.bar_io[0] || !d->pci.bar[0])
        fail("%s: 00:%02x.%d has neither virtio 1.x capabilities nor an assigned legacy I/O bar0"
             " (bar0 0x%lx)", name, d->pci.dev, d->pci.fn, d->pci.bar[0]);
    d->legacy = true;
    d->io = (u16)d->pci.bar[0];
    d->cfg_off = L_CONFIG;
    say("virtio: %02x:%02x.%d id=1af4:%04x type=%s transport=legacy io=0x%x", 0, d->pci.dev,
        d->pci.fn, d->pci.device, type_name(type), d->io);
    return true;
}

void virtio_reset(struct vdev *d)
{
    set_status(d, 0);
    for (int i = 0; i < 1000 && get_status(d); i++)
        cpu_relax();
    if (get_status(d))
        fail("%s: device status stays 0x%x after reset", d->name, get_status(d));
}

/* irq=msix: MSI-X on, table entry 0 = a fixed interrupt VIRTIO_IRQ_VECTOR to this CPU's APIC
   ID, every queue on entry 0. irq=msi: the MSI capability with the same message. The local APIC
   is software-enabled so that it accepts the message into the IRR (xAPIC mode assumed: the
   registers are read through MMIO from user mode). */
static void irq_setup(struct vdev *d)
{
    const char *m = opt_str("irq", NULL);
    if (!m)
        return;
    int dev = d->pci.dev, fn = d->pci.fn;
    u32 apic = mmio_read32(LAPIC_BASE + LAPIC_ID) >> 24;
    mmio_write32(LAPIC_BASE + LAPIC_SVR, mmio_read32(LAPIC_BASE + LAPIC_SVR) | 0x1FF);
    u32 addr = (u32)LAPIC_BASE | apic << 12;
    if (streq(m, "msix")) {
        u8 p = pci_cap_next(&d->pci, 0, CAP_MSIX);
        if (!p)
            fail("%s: irq=msix but the function has no MSI-X capability", d->name);
        u32 w0 = pci_cfg_read(dev, fn, p), tbl = pci_cfg_read(dev, fn, p + 4);
        u32 bir = tbl & 7;
        if (bir > 5 || d->pci.bar_io[bir] || !d->pci.bar[bir])
            fail("%s: MSI-X table in bar%u, which is not an assigned memory BAR", d->name, bir);
        u64 t = d->pci.bar[bir] + (tbl & ~7u);
        mmio_write32(t, addr);
        mmio_write32(t + 4, 0);
        mmio_write32(t + 8, VIRTIO_IRQ_VECTOR);
        mmio_write32(t + 12, 0);                            /* unmasked */
        pci_cfg_write(dev, fn, p, (w0 & 0xFFFF) | 0x8000u << 16);   /* enable, no function mask */
        d->irq = IRQ_MSIX;
        if (d->legacy)
            d->cfg_off = L_CONFIG_MSIX;
    } else if (streq(m, "msi")) {
        u8 p = pci_cap_next(&d->pci, 0, CAP_MSI);
        if (!p)
            fail("%s: irq=msi but the function has no MSI capability", d->name);
        u32 w0 = pci_cfg_read(dev, fn, p);
        u16 ctrl = (u16)(w0 >> 16);
        bool is64 = ctrl & 0x80;
        pci_cfg_write(dev, fn, p + 4, addr);
        if (is64)
            pci_cfg_write(dev, fn, p + 8, 0);
        pci_cfg_write(dev, fn, p + (is64 ? 12 : 8), VIRTIO_IRQ_VECTOR);
        ctrl = (u16)((ctrl & ~0x70u) | 1);                  /* one message, enabled */
        pci_cfg_write(dev, fn, p, (w0 & 0xFFFF) | (u32)ctrl << 16);
        d->irq = IRQ_MSI;
    } else {
        fail("cmdline: irq=%s is neither msix nor msi", m);
    }
    if (mmio_read32(LAPIC_BASE + LAPIC_IRR + 0x10 * (VIRTIO_IRQ_VECTOR / 32)) >> (VIRTIO_IRQ_VECTOR % 32) & 1)
        fail("%s: vector 0x%x is pending before the device was used", d->name, VIRTIO_IRQ_VECTOR);
    say("%s: irq=%s vector=0x%x apic=%u", d->name, m, VIRTIO_IRQ_VECTOR, apic);
}

void virtio_irq_report(struct vdev *d)
{
    if (d->irq == IRQ_POLL)
        return;
    u32 irr = mmio_read32(LAPIC_BASE + LAPIC_IRR + 0x10 * (VIRTIO_IRQ_VECTOR / 32));
    bool pending = irr >> (VIRTIO_IRQ_VECTOR % 32) & 1;
    say("%s: irq=%s vector=0x%x pending=%d", d->name, d->irq == IRQ_MSIX ? "msix" : "msi",
        VIRTIO_IRQ_VECTOR, pending);
    if (!pending)
        fail("%s: no interrupt: vector 0x%x is not pending in the local APIC", d->name, VIRTIO_IRQ_VECTOR);
}

void virtio_negotiate(struct vdev *d, u64 wanted)
{
    virtio_reset(d);
    irq_setup(d);
    set_status(d, S_ACKNOWLEDGE);
    set_status(d, S_ACKNOWLEDGE | S_DRIVER);
    if (d->legacy) {
        d->offered = inl(d->io + L_HOST_FEATURES);
        d->features = d->offered & wanted & 0xFFFFFFFFUL;
        outl(d->io + L_GUEST_FEATURES, (u32)d->features);
        say("%s: features offered=0x%lx accepted=0x%lx", d->name, d->offered, d->features);
        return;
    }
    mmio_write32(d->common + C_DFSELECT, 0);
    u64 lo = mmio_read32(d->common + C_DF);
    mmio_write32(d->common + C_DFSELECT, 1);
    d->offered = lo | (u64)mmio_read32(d->common + C_DF) << 32;
    if (!(d->offered & VIRTIO_F_VERSION_1))
        fail("%s: device does not offer VIRTIO_F_VERSION_1 (features 0x%lx)", d->name, d->offered);
    d->features = d->offered & (wanted | VIRTIO_F_VERSION_1);
    mmio_write32(d->common + C_GFSELECT, 0);
    mmio_write32(d->common + C_GF, (u32)d->features);
    mmio_write32(d->common + C_GFSELECT, 1);
    mmio_write32(d->common + C_GF, (u32)(d->features >> 32));
    mmio_write8(d->common + C_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    u8 st = mmio_read8(d->common + C_STATUS);
    if (!(st & S_FEATURES_OK))
        fail("%s: device refused features 0x%lx (status 0x%x)", d->name, d->features, st);
    say("%s: features offered=0x%lx accepted=0x%lx", d->name, d->offered, d->features);
}

u16 virtio_num_queues(struct vdev *d) { return d->legacy ? 0 : r16(d->common + C_NUMQ); }

/* Legacy rings are one block: descriptors, available ring, then the used ring on the next
   4 KiB boundary; the size is the device's and cannot be changed. */
static u16 legacy_queue(struct vdev *d, struct virtq *q, u16 index)
{
    outw(d->io + L_QUEUE_SEL, index);
    u16 size = inw(d->io + L_QUEUE_NUM);
    if (size == 0)
        fail("%s: queue %u does not exist (size 0)", d->name, index);
    if (size & (size - 1))
        fail("%s: queue %u size %u is not a power of two", d->name, index, size);
    u64 avail_off = 16UL * size, used_off = (avail_off + 6 + 2UL * size + 4095) & ~4095UL;
    u64 total = used_off + ((6 + 8UL * size + 4095) & ~4095UL);
    u8 *mem = dma_alloc(total, 4096);
    memset(mem, 0, total);
    memset(q, 0, sizeof *q);
    q->index = index, q->size = size;
    q->desc = (volatile struct vring_desc *)mem;
    q->avail = (volatile u16 *)(mem + avail_off);
    q->used_hdr = (volatile u16 *)(mem + used_off);
    q->used = (volatile struct vring_used_elem *)(mem + used_off + 4);
    q->chain = dma_alloc(2UL * size, 8);
    for (u16 i = 0; i < size; i++)
        q->desc[i].next = i + 1;
    q->nfree = size;
    q->notify = 0x10000UL | (d->io + L_QUEUE_NOTIFY);   /* bit 16: a port, not MMIO */
    if (d->irq == IRQ_MSIX) {
        outw(d->io + L_QUEUE_VECTOR, 0);
        if (inw(d->io + L_QUEUE_VECTOR) != 0)
            fail("%s: queue %u: MSI-X vector 0 not taken (reads 0x%x)", d->name, index,
                 inw(d->io + L_QUEUE_VECTOR));
    }
    outl(d->io + L_QUEUE_PFN, (u32)((u64)mem >> 12));
    return size;
}

u16 virtio_queue(struct vdev *d, struct virtq *q, u16 index, u16 max_size)
{
    if (d->legacy)
        return legacy_queue(d, q, index);
    w16(d->common + C_QSELECT, index);
    u16 size = r16(d->common + C_QSIZE);
    if (size == 0)
        fail("%s: queue %u does not exist (size 0, num_queues %u)", d->name, index, virtio_num_queues(d));
    while (size > max_size)
        size /= 2;                 /* sizes are powers of two; halving keeps that */
    w16(d->common + C_QSIZE, size);
    w16(d->common + C_QMSIX, d->irq == IRQ_MSIX ? 0 : 0xFFFF);   /* else no MSI-X vector: we poll */
    if (d->irq == IRQ_MSIX && r16(d->common + C_QMSIX) != 0)
        fail("%s: queue %u: MSI-X vector 0 not taken (reads 0x%x)", d->name, index, r16(d->common + C_QMSIX));
    memset(q, 0, sizeof *q);
    q->index = index, q->size = size;
    q->desc = dma_alloc(16UL * size, 4096);
    q->avail = dma_alloc(6 + 2UL * size, 4096);
    u8 *used = dma_alloc(6 + 8UL * size, 4096);
    memset((void *)q->desc, 0, 16UL * size);
    memset((void *)q->avail, 0, 6 + 2UL * size);
    memset(used, 0, 6 + 8UL * size);
    q->used_hdr = (volatile u16 *)used;
    q->used = (volatile struct vring_used_elem *)(used + 4);
    q->chain = dma_alloc(2UL * size, 8);
    for (u16 i = 0; i < size; i++)
        q->desc[i].next = i + 1;
    q->nfree = size;
    w64(d->common + C_QDESC, (u64)q->desc);
    w64(d->common + C_QDRIVER, (u64)q->avail);
    w64(d->common + C_QDEVICE, (u64)used);
    q->notify = d->notify_base + (u64)r16(d->common + C_QNOTIFYOFF) * d->notify_mult;
    w16(d->common + C_QENABLE, 1);
    return size;
}

void virtio_driver_ok(struct vdev *d)
{
    set_status(d, S_ACKNOWLEDGE | S_DRIVER | (d->legacy ? 0 : S_FEATURES_OK) | S_DRIVER_OK);
    u8 st = get_status(d);
    if (st & (S_NEEDS_RESET | S_FAILED))
        fail("%s: device status 0x%x after DRIVER_OK", d->name, st);
}

/* Fills descriptors from the free list and publishes the head; extra flags go on every one. */
static int add_chain(struct virtq *q, const struct vbuf *bufs, int n, u16 extra)
{
    if (n <= 0 || n > q->nfree)
        return -1;
    u16 head = q->free_head, i = head;
    for (int k = 0; k < n; k++) {
        volatile struct vring_desc *dsc = &q->desc[i];
        dsc->addr = (u64)bufs[k].addr;
        dsc->len = bufs[k].len;
        dsc->flags = extra | (bufs[k].device_writes ? VRING_DESC_F_WRITE : 0) | (k + 1 < n ? VRING_DESC_F_NEXT : 0);
        i = dsc->next;
    }
    q->free_head = i;
    q->nfree -= n;
    q->chain[head] = n;
    q->avail[2 + (q->avail_idx % q->size)] = head;
    barrier();                     /* x86 keeps stores in order; the compiler must too */
    q->avail_idx++;
    q->avail[1] = q->avail_idx;
    return head;
}

int vq_add(struct virtq *q, const struct vbuf *bufs, int n)
{
    return add_chain(q, bufs, n, 0);
}

int vq_add_indirect(struct virtq *q, volatile struct vring_desc *table, const struct vbuf *bufs, int n)
{
    if (n <= 0 || q->nfree < 1)
        return -1;
    for (int k = 0; k < n; k++) {
        table[k].addr = (u64)bufs[k].addr;
        table[k].len = bufs[k].len;
        table[k].flags = (bufs[k].device_writes ? VRING_DESC_F_WRITE : 0) | (k + 1 < n ? VRING_DESC_F_NEXT : 0);
        table[k].next = (u16)(k + 1 < n ? k + 1 : 0);
    }
    struct vbuf one = { (void *)table, 16u * (u32)n, false };
    return add_chain(q, &one, 1, VRING_DESC_F_INDIRECT);
}

void vq_kick(struct virtq *q)
{
    mb();                          /* ring stores before the notify (WB then UC, but be plain) */
    /* VRING_USED_F_NO_NOTIFY: the device is serving the queue and looks again before it sleeps,
       so the notification (a VM exit) is skipped, as Linux's virtqueue_kick_prepare does. The
       flag is read after the avail index store (the mb above). */
    if (q->used_hdr[0] & 1)
        return;
    if (q->notify & 0x10000UL)
        outw((u16)q->notify, q->index);
    else
        w16(q->notify, q->index);
}

bool vq_poll(struct virtq *q, u32 *head, u32 *len)
{
    if (q->used_hdr[1] == q->last_used)
        return false;
    barrier();
    volatile struct vring_used_elem *e = &q->used[q->last_used % q->size];
    u32 id = e->id;
    if (id >= q->size || q->chain[id] == 0)
        fail("virtq %u: used ring names descriptor %u that is not in flight", q->index, id);
    *head = id;
    *len = e->len;
    q->last_used++;
    /* return the chain to the free list: walk it to its tail */
    u16 n = q->chain[id], tail = id;
    for (u16 k = 1; k < n; k++)
        tail = q->desc[tail].next;
    q->desc[tail].next = q->free_head;
    q->free_head = id;
    q->nfree += n;
    q->chain[id] = 0;
    return true;
}

u32 vq_wait(struct vdev *d, struct virtq *q, u32 *len, u64 ms)
{
    u64 end = rdtsc() + ms * tsc_khz;
    u32 head;
    while (!vq_poll(q, &head, len))
        if (rdtsc() > end)
            fail("%s: queue %u: no completion within %lu ms (used idx %u, avail idx %u, status 0x%x)",
                 d->name, q->index, ms, q->used_hdr[1], q->avail_idx, get_status(d));
    return head;
}
