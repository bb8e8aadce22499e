/* virtio-net driver, polled, in user mode: MAC and link status from the device configuration,
   one receive and one transmit queue of single-descriptor 2 KiB buffers (virtio_net_hdr in
   front of each frame), no offloads. Works on the modern and on the legacy transport. */
#include "net.h"
#include "virtio.h"

#define F_MAC (1UL << 5)
#define F_MRG_RXBUF (1UL << 15)
#define F_STATUS (1UL << 16)
#define AVAIL_F_NO_INTERRUPT 1
#define QSIZE 256
#define BUFSZ 2048

static struct vdev dev;
static struct virtq rxq, txq;
static u8 *rxbufs, *txbufs;
static u32 hdr;                    /* 12 with virtio 1.x or MRG_RXBUF, else 10 */
static u32 rx_unkicked, tx_pending;

static bool vnet_probe(void)
{
    static const u16 ids[] = { 0x1041, 0x1000 };
    struct pci_fn f;
    return pci_find(0x1AF4, ids, 2, (int)opt_u64("index", 0), &f);
}

/* Offers descriptor `free_head`'s own buffer: descriptor i always owns rxbufs[i]. */
static void rx_post(void)
{
    u16 d = rxq.free_head;
    struct vbuf b = { rxbufs + (u64)d * BUFSZ, BUFSZ, true };
    if (vq_add(&rxq, &b, 1) < 0)
        fail("virtio-net: receive ring has no free descriptor to re-post");
}

static void vnet_init(struct nic *n)
{
    if (!virtio_find(VIRTIO_NET, (int)opt_u64("index", 0), &dev, "virtio-net"))
        fail("virtio-net: no virtio network device (1af4:1041 or 1af4:1000) on bus 0");
    virtio_negotiate(&dev, F_MAC | F_STATUS | F_MRG_RXBUF);
    if (!(dev.features & F_MAC))
        fail("virtio-net: the device offers no MAC address (features 0x%lx)", dev.offered);
    hdr = !dev.legacy || (dev.features & F_MRG_RXBUF) ? 12 : 10;
    for (int i = 0; i < 6; i++)
        n->mac[i] = vcfg8(&dev, (u32)i);
    u16 rsize = virtio_queue(&dev, &rxq, 0, QSIZE), tsize = virtio_queue(&dev, &txq, 1, QSIZE);
    rxq.avail[0] = AVAIL_F_NO_INTERRUPT;   /* polled: no interrupts wanted */
    txq.avail[0] = AVAIL_F_NO_INTERRUPT;
    rxbufs = dma_alloc((u64)rsize * BUFSZ, 4096);
    txbufs = dma_alloc((u64)tsize * BUFSZ, 4096);
    memset(txbufs, 0, (u64)tsize * BUFSZ);
    virtio_driver_ok(&dev);
    while (rxq.nfree)
        rx_post();
    vq_kick(&rxq);
    rx_unkicked = tx_pending = 0;
    u16 status = dev.features & F_STATUS ? vcfg16(&dev, 6) : 1;
    say("virtio-net: 00:%02x.%d id=1af4:%04x transport=%s mac=%02x:%02x:%02x:%02x:%02x:%02x link=%s hdr=%u"
        " rx_ring=%u tx_ring=%u", dev.pci.dev, dev.pci.fn, dev.pci.device, dev.legacy ? "legacy" : "modern",
        n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], status & 1 ? "up" : "down", hdr,
        rsize, tsize);
}

static int vnet_recv(struct nic *n, u8 **frame)
{
    (void)n;
    u32 head, len;
    if (!vq_poll(&rxq, &head, &len))
        return -1;
    *frame = rxbufs + (u64)head * BUFSZ + hdr;
    if (len < hdr + 14 || len > BUFSZ)
        return -2;
    u16 nbuf = hdr == 12 ? *(u16 *)(rxbufs + (u64)head * BUFSZ + 10) : 1;
    if (nbuf != 1)
        fail("virtio-net: frame in %u buffers; every 2 KiB buffer holds a whole frame", nbuf);
    return (int)(len - hdr);
}

/* Buffers go back in groups of 16 (one notification each), or at once when nothing waits. */
static void vnet_recv_done(struct nic *n)
{
    (void)n;
    rx_post();
    if (++rx_unkicked >= 16 || rxq.used_hdr[1] == rxq.last_used) {
        vq_kick(&rxq);
        rx_unkicked = 0;
    }
}

/* The frame goes after the (zero) header in descriptor free_head's buffer. */
static u8 *vnet_tx_buf(struct nic *n)
{
    (void)n;
    u32 head, len;
    while (vq_poll(&txq, &head, &len))
        ;
    if (!txq.nfree)
        return NULL;
    return txbufs + (u64)txq.free_head * BUFSZ + hdr;
}

static void vnet_send(struct nic *n, u32 len)
{
    (void)n;
    u16 d = txq.free_head;
    struct vbuf b = { txbufs + (u64)d * BUFSZ, hdr + len, false };
    if (len > BUFSZ - hdr || vq_add(&txq, &b, 1) < 0)
        fail("virtio-net: send of %u bytes without a free buffer", len);
    tx_pending++;
}

static void vnet_flush(struct nic *n)
{
    (void)n;
    if (!tx_pending)
        return;
    vq_kick(&txq);
    tx_pending = 0;
}

const struct nic_ops vnet_ops = {
    .name = "virtio-net", .probe = vnet_probe, .init = vnet_init, .recv = vnet_recv, .recv_done = vnet_recv_done,
    .tx_buf = vnet_tx_buf, .send = vnet_send, .flush = vnet_flush,
};
