/* virtio-rng and virtio-console modes, in user mode. */
#include "virtio.h"

#define TIMEOUT_MS 5000

/* ---- virtio-rng: 64 bytes from the device, which must not all be equal ---- */

static u64 rng_check(u64 unused)
{
    (void)unused;
    struct vdev d;
    struct virtq q;
    if (!virtio_find(VIRTIO_RNG, (int)opt_u64("index", 0), &d, "virtio-rng"))
        fail("virtio-rng: no virtio entropy device (1af4:1044 or 1af4:1005) on bus 0");
    virtio_negotiate(&d, 0);
    virtio_queue(&d, &q, 0, 64);
    virtio_driver_ok(&d);
    u8 *buf = dma_alloc(64, 64), got[64];
    u32 have = 0, requests = 0;
    while (have < 64) {
        memset(buf, 0, 64);
        struct vbuf b = { buf, 64 - have, true };
        vq_add(&q, &b, 1);
        vq_kick(&q);
        u32 len;
        vq_wait(&d, &q, &len, TIMEOUT_MS);
        requests++;
        if (len > 64 - have)
            fail("virtio-rng: device wrote %u bytes into a %u-byte buffer", len, 64 - have);
        memcpy(got + have, buf, len);
        have += len;
    }
    char hex[129];
    for (int i = 0; i < 64; i++)
        format(hex + 2 * i, 3, "%02x", got[i]);
    say("virtio-rng: bytes=64 requests=%u data=%s", requests, hex);
    bool all_equal = true;
    for (int i = 1; i < 64; i++)
        all_equal &= got[i] == got[0];
    if (all_equal)
        fail("virtio-rng: all 64 bytes are 0x%02x", got[0]);
    virtio_irq_report(&d);
    say("virtio-rng: ok");
    return 0;
}

void mode_virtio_rng(void)
{
    user_run(rng_check, 0);
}

/* ---- virtio-console: each port reads one line and echoes it back ---- */

#define F_MULTIPORT (1UL << 1)
#define MAX_PORTS 2
#define RXBUFS 8
#define RXLEN 256

enum { DEVICE_READY = 0, DEVICE_ADD = 1, DEVICE_REMOVE = 2, PORT_READY = 3, CONSOLE_PORT = 4,
       RESIZE = 5, PORT_OPEN = 6, PORT_NAME = 7 };
struct ctrl { u32 id; u16 event, value; };

static struct vdev cd;
static struct virtq rxq[MAX_PORTS], txq[MAX_PORTS], crx, ctx;
static u8 *rxbuf[MAX_PORTS], *crxbuf;
static bool added[MAX_PORTS], console[MAX_PORTS], host_open[MAX_PORTS];
static char names[MAX_PORTS][32];

static void post_rx(struct virtq *q, u8 *bufs, u32 len, int n)
{
    for (int i = 0; i < n; i++) {
        struct vbuf b = { bufs + (u64)i * len, len, true };
        if (vq_add(q, &b, 1) != i)
            fail("virtio-console: rx buffer %d did not get descriptor %d", i, i);
    }
    vq_kick(q);
}

static void repost(struct virtq *q, u8 *bufs, u32 len, u32 head)
{
    struct vbuf b = { bufs + (u64)head * len, len, true };
    vq_add(q, &b, 1);
    vq_kick(q);
}

static void send(struct virtq *q, const void *data, u32 len)
{
    u8 *buf = dma_alloc(len, 16);  /* small, rare messages: a fresh buffer each time */
    memcpy(buf, data, len);
    struct vbuf b = { buf, len, false };
    if (vq_add(q, &b, 1) < 0)
        fail("virtio-console: tx queue %u full", q->index);
    vq_kick(q);
    u32 l;
    vq_wait(&cd, q, &l, TIMEOUT_MS);
}

static void send_ctrl(u32 id, u16 event, u16 value)
{
    struct ctrl c = { id, event, value };
    send(&ctx, &c, sizeof c);
}

/* Handles control messages until `quiet_ms` pass without one. */
static void control_loop(u64 quiet_ms)
{
    u64 last = rdtsc();
    while (rdtsc() - last < quiet_ms * tsc_khz) {
        u32 head, len;
        if (!vq_poll(&crx, &head, &len)) {
            cpu_relax();
            continue;
        }
        last = rdtsc();
        struct ctrl c;
        u8 *m = crxbuf + (u64)head * 64;
        memcpy(&c, m, sizeof c);
        if (c.id >= MAX_PORTS && c.event != DEVICE_READY) {
            say("virtio-console: control event=%u for port=%u ignored (we drive ports 0-%d)",
                c.event, c.id, MAX_PORTS - 1);
        } else if (c.event == DEVICE_ADD) {
            added[c.id] = true;
            say("virtio-console: port=%u added", c.id);
            send_ctrl(c.id, PORT_READY, 1);
            send_ctrl(c.id, PORT_OPEN, 1);     /* as an application opening /dev/vportNpM */
        } else if (c.event == CONSOLE_PORT) {
            console[c.id] = true;
            say("virtio-console: port=%u is a console", c.id);
            send_ctrl(c.id, PORT_OPEN, 1);
        } else if (c.event == PORT_NAME) {
            u32 n = len > sizeof c ? len - sizeof c : 0;
            if (n > sizeof names[0] - 1)
                n = sizeof names[0] - 1;
            memcpy(names[c.id], m + sizeof c, n);
            names[c.id][n] = 0;
            say("virtio-console: port=%u name=%s", c.id, names[c.id]);
        } else if (c.event == PORT_OPEN) {
            host_open[c.id] = c.value;
            say("virtio-console: port=%u host_open=%u", c.id, c.value);
        } else if (c.event == DEVICE_REMOVE) {
            added[c.id] = false;
            say("virtio-console: port=%u removed", c.id);
        } else {
            say("virtio-console: control event=%u port=%u value=%u", c.event, c.id, c.value);
        }
        repost(&crx, crxbuf, 64, head);
    }
}

static void echo_port(u32 p, u64 ms)
{
    char line[RXLEN];
    u32 n = 0;
    say("virtio-console: port=%u ready", p);
    u64 end = rdtsc() + ms * tsc_khz;
    for (;;) {
        u32 head, len;
        if (!vq_poll(&rxq[p], &head, &len)) {
            if (rdtsc() > end)
                fail("virtio-console: port=%u: no complete line within %lu ms (%u bytes so far)", p, ms, n);
            if (cd.features & F_MULTIPORT)
                control_loop(0);   /* keep answering the device while we wait */
            cpu_relax();
            continue;
        }
        const u8 *data = rxbuf[p] + (u64)head * RXLEN;
        bool done = false;
        for (u32 i = 0; i < len && !done; i++) {
            if (data[i] == '\n' || data[i] == '\r')
                done = n > 0;
            else if (n < sizeof line - 1)
                line[n++] = (char)data[i];
        }
        repost(&rxq[p], rxbuf[p], RXLEN, head);
        if (done)
            break;
    }
    line[n] = 0;
    say("virtio-console: port=%u line=%s", p, line);
    line[n] = '\n';
    send(&txq[p], line, n + 1);
    say("virtio-console: port=%u echoed bytes=%u", p, n + 1);
}

static u64 console_check(u64 unused)
{
    (void)unused;
    if (!virtio_find(VIRTIO_CONSOLE, (int)opt_u64("index", 0), &cd, "virtio-console"))
        fail("virtio-console: no virtio console device (1af4:1043 or 1af4:1003) on bus 0");
    virtio_negotiate(&cd, F_MULTIPORT);
    bool multi = cd.features & F_MULTIPORT;
    u32 max_ports = multi ? vcfg32(&cd, 4) : 1;
    u32 nports = max_ports < MAX_PORTS ? max_ports : MAX_PORTS;
    say("virtio-console: multiport=%d max_nr_ports=%u", multi, max_ports);
    for (u32 p = 0; p < nports; p++) {
        u16 base = p == 0 ? 0 : 2 + 2 * p;  /* port 0: queues 0/1; control 2/3; port N: 2N+2/2N+3 */
        virtio_queue(&cd, &rxq[p], base, 64);
        virtio_queue(&cd, &txq[p], base + 1, 64);
    }
    if (multi) {
        virtio_queue(&cd, &crx, 2, 64);
        virtio_queue(&cd, &ctx, 3, 64);
    }
    virtio_driver_ok(&cd);
    for (u32 p = 0; p < nports; p++) {
        rxbuf[p] = dma_alloc(RXBUFS * RXLEN, 64);
        post_rx(&rxq[p], rxbuf[p], RXLEN, RXBUFS);
    }
    if (multi) {
        crxbuf = dma_alloc(RXBUFS * 64, 64);
        post_rx(&crx, crxbuf, 64, RXBUFS);
        send_ctrl(0, DEVICE_READY, 1);
        control_loop(300);
    } else {
        added[0] = true;
    }
    u64 ms = opt_u64("ms", 10000);
    const char *only = opt_str("port", NULL);
    int tested = 0;
    for (u32 p = 0; p < nports; p++) {
        if (!added[p] || (only && opt_u64("port", 0) != p))
            continue;
        echo_port(p, ms);
        tested++;
    }
    if (!tested)
        fail("virtio-console: no port to test (ports added: %d)", added[0] + added[1]);
    say("virtio-console: ok ports=%d", tested);
    return 0;
}

void mode_virtio_console(void)
{
    user_run(console_check, 0);
}
