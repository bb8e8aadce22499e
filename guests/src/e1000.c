/* Intel 82545EM (e1000) driver, polled, in user mode: reset, MAC from the EEPROM (Microwire
   bit-banging through EECD, as the real part needs), legacy RX/TX descriptor rings. */
#include "net.h"

#define CTRL 0x0000
#define STATUS 0x0008
#define EECD 0x0010
#define IMC 0x00D8
#define RCTL 0x0100
#define TCTL 0x0400
#define TIPG 0x0410
#define RDBAL 0x2800
#define RDBAH 0x2804
#define RDLEN 0x2808
#define RDH 0x2810
#define RDT 0x2818
#define TDBAL 0x3800
#define TDBAH 0x3804
#define TDLEN 0x3808
#define TDH 0x3810
#define TDT 0x3818
#define MTA 0x5200
#define RAL0 0x5400
#define RAH0 0x5404

#define CTRL_SLU (1u << 6)
#define CTRL_ASDE (1u << 5)
#define CTRL_RST (1u << 26)
#define EE_SK 0x1
#define EE_CS 0x2
#define EE_DI 0x4
#define EE_DO 0x8
#define EE_REQ 0x40
#define EE_GNT 0x80
#define EE_PRES 0x100
#define EE_SIZE 0x200
#define RCTL_EN (1u << 1)
#define RCTL_BAM (1u << 15)
#define RCTL_SECRC (1u << 26)
#define TCTL_EN (1u << 1)
#define TCTL_PSP (1u << 3)
#define TX_EOP 0x01
#define TX_IFCS 0x02
#define TX_RS 0x08
#define DD 0x01

#define NRX 256
#define NTX 64
#define BUFSZ 2048

struct rx_desc { u64 addr; u16 len, csum; u8 status, errors; u16 special; };
struct tx_desc { u64 addr; u16 len; u8 cso, cmd, status, css; u16 special; };

static u64 regs;
static volatile struct rx_desc *rx;
static volatile struct tx_desc *tx;
static u8 *rxbufs, *txbufs;
static u32 rx_next, tx_tail, tx_clean, tx_pending;

static u32 rd(u32 r) { return mmio_read32(regs + r); }
static void wr(u32 r, u32 v) { mmio_write32(regs + r, v); }

static void ee_clock(u32 *eecd, bool high)
{
    *eecd = high ? *eecd | EE_SK : *eecd & ~EE_SK;
    wr(EECD, *eecd);
    udelay(1);
}

static u16 eeprom_read(u32 word, int addr_bits)
{
    u32 eecd = rd(EECD) | EE_REQ;
    wr(EECD, eecd);
    for (int i = 0; i < 1000 && !(rd(EECD) & EE_GNT); i++)
        udelay(5);
    if (!(rd(EECD) & EE_GNT))
        fail("e1000: EEPROM access not granted (EECD=0x%x)", rd(EECD));
    eecd = (rd(EECD) & ~(EE_DI | EE_SK)) | EE_CS;
    wr(EECD, eecd);
    u32 out = (0x6u << addr_bits) | word;  /* start bit + READ opcode (110), then the address */
    for (int b = 2 + addr_bits; b >= 0; b--) {
        eecd = (out >> b) & 1 ? eecd | EE_DI : eecd & ~EE_DI;
        wr(EECD, eecd);
        udelay(1);
        ee_clock(&eecd, true);
        ee_clock(&eecd, false);
    }
    eecd &= ~EE_DI;
    u16 data = 0;
    for (int b = 0; b < 16; b++) {
        ee_clock(&eecd, true);
        data = data << 1 | !!(rd(EECD) & EE_DO);
        ee_clock(&eecd, false);
    }
    eecd &= ~(EE_CS | EE_DI);
    wr(EECD, eecd);
    ee_clock(&eecd, true);
    ee_clock(&eecd, false);
    wr(EECD, eecd & ~EE_REQ);
    return data;
}

/* 82545EM is bhyve's; QEMU's plain "e1000" is the register-compatible 82540EM. */
static const u16 ids[] = { 0x100F, 0x100E };

static bool e1000_probe(void)
{
    struct pci_fn f;
    return pci_find(0x8086, ids, 2, (int)opt_u64("index", 0), &f);
}

static void e1000_init(struct nic *n)
{
    struct pci_fn f;
    if (!pci_find(0x8086, ids, 2, (int)opt_u64("index", 0), &f))
        fail("e1000: no 82545EM (8086:100f) or 82540EM (8086:100e) on bus 0");
    pci_enable(&f);
    if (f.bar_io[0] || !f.bar[0] || f.bar_size[0] < 0x20000)
        fail("e1000: bar0 is not a 128 KiB memory BAR (addr 0x%lx size 0x%lx)", f.bar[0], f.bar_size[0]);
    regs = f.bar[0];
    wr(IMC, 0xFFFFFFFFu);
    wr(CTRL, rd(CTRL) | CTRL_RST);
    udelay(1000);
    for (int i = 0; i < 1000 && (rd(CTRL) & CTRL_RST); i++)
        udelay(100);
    if (rd(CTRL) & CTRL_RST)
        fail("e1000: CTRL.RST still set 100 ms after reset");
    wr(IMC, 0xFFFFFFFFu);
    u32 eecd = rd(EECD);
    int addr_bits = eecd & EE_SIZE ? 8 : 6;
    if (!(eecd & EE_PRES))
        fail("e1000: EECD=0x%x says no EEPROM present", eecd);
    u16 words[64], sum = 0;
    for (u32 i = 0; i < 64; i++) {
        words[i] = eeprom_read(i, addr_bits);
        sum += words[i];
    }
    for (int i = 0; i < 3; i++) {
        n->mac[2 * i] = (u8)words[i];
        n->mac[2 * i + 1] = (u8)(words[i] >> 8);
    }
    u32 ral = rd(RAL0), rah = rd(RAH0);
    say("e1000: 00:%02x.%d id=8086:%04x bar0=0x%lx eeprom mac=%02x:%02x:%02x:%02x:%02x:%02x checksum=%s (0x%04x)"
        " ral_valid=%d", f.dev, f.fn, f.device, regs, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
        n->mac[5], sum == 0xBABA ? "ok" : "bad", sum, !!(rah & (1u << 31)));
    if (sum != 0xBABA)
        fail("e1000: EEPROM checksum 0x%04x, expected 0xbaba", sum);
    (void)ral;
    wr(RAL0, n->mac[0] | n->mac[1] << 8 | n->mac[2] << 16 | (u32)n->mac[3] << 24);
    wr(RAH0, n->mac[4] | n->mac[5] << 8 | (1u << 31));
    for (int i = 0; i < 128; i++)
        wr(MTA + 4 * i, 0);
    wr(CTRL, (rd(CTRL) | CTRL_SLU | CTRL_ASDE) & ~CTRL_RST);

    rx = dma_alloc(NRX * sizeof *rx, 128);
    tx = dma_alloc(NTX * sizeof *tx, 128);
    rxbufs = dma_alloc(NRX * BUFSZ, 4096);
    txbufs = dma_alloc(NTX * BUFSZ, 4096);
    for (int i = 0; i < NRX; i++)
        rx[i] = (struct rx_desc){ .addr = (u64)(rxbufs + i * BUFSZ) };
    for (int i = 0; i < NTX; i++)
        tx[i] = (struct tx_desc){ .addr = (u64)(txbufs + i * BUFSZ), .status = DD };
    wr(RDBAL, (u32)(u64)rx);
    wr(RDBAH, (u32)((u64)rx >> 32));
    wr(RDLEN, NRX * sizeof *rx);
    wr(RDH, 0);
    wr(RDT, NRX - 1);
    wr(RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);   /* 2048-byte buffers (BSIZE 0) */
    wr(TDBAL, (u32)(u64)tx);
    wr(TDBAH, (u32)((u64)tx >> 32));
    wr(TDLEN, NTX * sizeof *tx);
    wr(TDH, 0);
    wr(TDT, 0);
    wr(TIPG, 10 | 8 << 10 | 6 << 20);
    wr(TCTL, TCTL_EN | TCTL_PSP | 0x10 << 4 | 0x40 << 12);
    rx_next = tx_tail = tx_clean = tx_pending = 0;
    u64 end = rdtsc() + 2000 * tsc_khz;
    while (!(rd(STATUS) & 2) && rdtsc() < end)
        udelay(1000);
    say("e1000: link=%s status=0x%x rx_ring=%d tx_ring=%d", rd(STATUS) & 2 ? "up" : "down", rd(STATUS), NRX, NTX);
}

static int e1000_recv(struct nic *n, u8 **frame)
{
    (void)n;
    volatile struct rx_desc *d = &rx[rx_next];
    if (!(d->status & DD))
        return -1;
    barrier();
    *frame = rxbufs + rx_next * BUFSZ;
    return d->errors ? -2 : d->len;
}

/* Descriptors go back to the device in groups of 8 (one RDT write, one exit, per group), or
   at once when nothing else is waiting, so a slow trickle is not starved. */
static void e1000_recv_done(struct nic *n)
{
    (void)n;
    rx[rx_next].status = 0;
    u32 done = rx_next;
    rx_next = (rx_next + 1) % NRX;
    barrier();
    if (rx_next % 8 == 0 || !(rx[rx_next].status & DD))
        wr(RDT, done);
}

/* A free transmit buffer, or NULL when all are in flight. */
static u8 *e1000_tx_buf(struct nic *n)
{
    (void)n;
    while (tx_clean != tx_tail && (tx[tx_clean].status & DD))
        tx_clean = (tx_clean + 1) % NTX;
    if ((tx_tail + 1) % NTX == tx_clean)
        return NULL;
    return txbufs + tx_tail * BUFSZ;
}

/* Queues the frame in the buffer nic_tx_buf returned; the tail is written on nic_flush. */
static void e1000_send(struct nic *n, u32 len)
{
    (void)n;
    if (len < 60) {
        memset(txbufs + tx_tail * BUFSZ + len, 0, 60 - len);
        len = 60;
    }
    volatile struct tx_desc *d = &tx[tx_tail];
    d->len = (u16)len;
    d->cmd = TX_EOP | TX_IFCS | TX_RS;
    d->status = 0;
    tx_tail = (tx_tail + 1) % NTX;
    tx_pending++;
}

static void e1000_flush(struct nic *n)
{
    (void)n;
    if (!tx_pending)
        return;
    mb();
    wr(TDT, tx_tail);
    tx_pending = 0;
}

const struct nic_ops e1000_ops = {
    .name = "e1000", .probe = e1000_probe, .init = e1000_init, .recv = e1000_recv, .recv_done = e1000_recv_done,
    .tx_buf = e1000_tx_buf, .send = e1000_send, .flush = e1000_flush,
};
