/* virtio 1.x over PCI (modern transport) with split virtqueues, polled (no interrupts). */
#ifndef VIRTIO_H
#define VIRTIO_H
#include "guest.h"

#define VIRTIO_F_VERSION_1 (1UL << 32)
#define VIRTIO_F_INDIRECT_DESC (1UL << 28)
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4

enum virtio_type { VIRTIO_NET = 1, VIRTIO_BLK = 2, VIRTIO_CONSOLE = 3, VIRTIO_RNG = 4 };

struct vring_desc { u64 addr; u32 len; u16 flags, next; };
struct vring_used_elem { u32 id, len; };

struct virtq {
    u16 index, size;
    volatile struct vring_desc *desc;
    volatile u16 *avail;           /* flags, idx, ring[size], used_event */
    volatile u16 *used_hdr;        /* flags, idx */
    volatile struct vring_used_elem *used;
    u16 free_head, nfree, last_used, avail_idx;
    u16 *chain;                    /* descriptors per in-flight head */
    u64 notify;                    /* MMIO address to write the queue index to */
};

struct vbuf { void *addr; u32 len; bool device_writes; };

struct vdev {
    struct pci_fn pci;
    const char *name;              /* "virtio-blk", ... for messages */
    u64 common, notify_base, isr, device;
    u32 notify_mult;
    u64 offered, features;
    bool legacy;                   /* virtio 0.9.5 I/O BAR transport (bhyve's) */
    u16 io;                        /* legacy: BAR0 port base */
    u16 cfg_off;                   /* legacy: device configuration offset (20, 24 with MSI-X on) */
    u8 irq;                        /* IRQ_POLL, IRQ_MSIX or IRQ_MSI (option irq=) */
};

enum { IRQ_POLL, IRQ_MSIX, IRQ_MSI };
#define VIRTIO_IRQ_VECTOR 0x51

/* Finds the index-th virtio function of this type on bus 0 (modern 0x1040+type or transitional
   ID), enables it and maps its capabilities; false if there is none. Without virtio 1.x
   capabilities a transitional-ID device is driven through the legacy I/O BAR. */
bool virtio_find(enum virtio_type type, int index, struct vdev *d, const char *name);
/* Reset, ACKNOWLEDGE, DRIVER, feature negotiation (modern: VERSION_1 is added and FEATURES_OK
   checked; legacy: the low 32 bits only). */
void virtio_negotiate(struct vdev *d, u64 wanted);
u16 virtio_num_queues(struct vdev *d);
/* Sets up queue `index` with at most max_size entries; returns the size used. */
u16 virtio_queue(struct vdev *d, struct virtq *q, u16 index, u16 max_size);
void virtio_driver_ok(struct vdev *d);
/* With irq=msix|msi: prints whether the interrupt vector is pending in the local APIC's IRR
   (interrupts stay disabled, so a delivered message waits there) and fails if it is not. */
void virtio_irq_report(struct vdev *d);
void virtio_reset(struct vdev *d);

u8 vcfg8(struct vdev *d, u32 off);
u16 vcfg16(struct vdev *d, u32 off);
u32 vcfg32(struct vdev *d, u32 off);
u64 vcfg64(struct vdev *d, u32 off);

/* Adds a chain (device-readable buffers first); returns its head, or -1 when the ring is full. */
int vq_add(struct virtq *q, const struct vbuf *bufs, int n);
/* The same chain as one ring descriptor pointing at table (n entries, 16-byte aligned DMA
   memory the caller keeps until the completion); needs VIRTIO_F_INDIRECT_DESC. */
int vq_add_indirect(struct virtq *q, volatile struct vring_desc *table, const struct vbuf *bufs, int n);
void vq_kick(struct virtq *q);
/* Takes one completed chain if there is one: its head and the bytes the device wrote. */
bool vq_poll(struct virtq *q, u32 *head, u32 *len);
/* Waits up to ms for one completion; fails the test on timeout, naming the device and queue. */
u32 vq_wait(struct vdev *d, struct virtq *q, u32 *len, u64 ms);
#endif
