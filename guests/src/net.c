/* The network modes over a NIC (e1000 or virtio-net): `e1000` / `virtio-net` answer ARP and
   ICMP echo for ip=; `net-bench` measures UDP transmit and receive rates against a peer on
   either (nic=). A minimal IPv4 stack, user mode. */
#include "net.h"

#define ETH_ARP 0x0806
#define ETH_IP 0x0800

static struct nic nic;
static u32 my_ip, peer_ip;
static u8 peer_mac[6];
static bool peer_known;
static u64 answered_echo, answered_arp;

static u16 get16(const u8 *p) { return (u16)(p[0] << 8 | p[1]); }
static u32 get32(const u8 *p) { return (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void put16(u8 *p, u16 v) { p[0] = v >> 8, p[1] = (u8)v; }
static void put32(u8 *p, u32 v) { p[0] = v >> 24, p[1] = (u8)(v >> 16), p[2] = (u8)(v >> 8), p[3] = (u8)v; }

static u16 csum(const u8 *p, u32 len)
{
    u32 s = 0;
    for (u32 i = 0; i + 1 < len; i += 2)
        s += get16(p + i);
    if (len & 1)
        s += p[len - 1] << 8;
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (u16)~s;
}

static const char *ipstr(u32 ip)
{
    static char b[4][16];
    static int k;
    char *s = b[k++ & 3];
    format(s, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    return s;
}

static u8 *tx_wait(void)
{
    u8 *b;
    u64 end = rdtsc() + 2000 * tsc_khz;
    while (!(b = nic_tx_buf(&nic))) {
        nic_flush(&nic);
        if (rdtsc() > end)
            fail("net: transmit ring still full after 2000 ms");
    }
    return b;
}

static void eth_header(u8 *f, const u8 *dst, u16 type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, nic.mac, 6);
    put16(f + 12, type);
}

static void send_arp(u16 op, const u8 *tha, u32 tpa)
{
    static const u8 bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    u8 *f = tx_wait();
    eth_header(f, op == 1 ? bcast : tha, ETH_ARP);
    u8 *a = f + 14;
    put16(a, 1), put16(a + 2, ETH_IP), a[4] = 6, a[5] = 4, put16(a + 6, op);
    memcpy(a + 8, nic.mac, 6), put32(a + 14, my_ip);
    if (op == 1)
        memset(a + 18, 0, 6);
    else
        memcpy(a + 18, tha, 6);
    put32(a + 24, tpa);
    nic_send(&nic, 42);
    nic_flush(&nic);
}

static void ip_header(u8 *ip, u32 dst, u8 proto, u32 payload)
{
    static u16 ident;
    ip[0] = 0x45, ip[1] = 0;
    put16(ip + 2, (u16)(20 + payload));
    put16(ip + 4, ident++);
    put16(ip + 6, 0x4000);        /* don't fragment */
    ip[8] = 64, ip[9] = proto;
    put16(ip + 10, 0);
    put32(ip + 12, my_ip);
    put32(ip + 16, dst);
    put16(ip + 10, csum(ip, 20));
}

/* Handles one received frame: ARP for us, ICMP echo to us; UDP to us is counted by the caller
   (returns its payload length), everything else is ignored (-1). */
static int handle(const u8 *f, int len, bool verbose)
{
    if (len < 14)
        return -1;
    u16 type = get16(f + 12);
    if (type == ETH_ARP && len >= 42) {
        const u8 *a = f + 14;
        u16 op = get16(a + 6);
        u32 spa = get32(a + 14), tpa = get32(a + 24);
        if (op == 2 && spa == peer_ip && !peer_known) {
            memcpy(peer_mac, a + 8, 6);
            peer_known = true;
        }
        if (op == 1 && tpa == my_ip) {
            u8 sha[6];
            memcpy(sha, a + 8, 6);
            send_arp(2, sha, spa);
            answered_arp++;
            if (verbose)
                say("%s: arp request from %s answered", nic.ops->name, ipstr(spa));
        }
        return -1;
    }
    if (type != ETH_IP || len < 34)
        return -1;
    const u8 *ip = f + 14;
    u32 ihl = (ip[0] & 15) * 4, tot = get16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot > (u32)len - 14 || get32(ip + 16) != my_ip || csum(ip, ihl))
        return -1;
    const u8 *pl = ip + ihl;
    u32 plen = tot - ihl;
    if (ip[9] == 1 && plen >= 8 && pl[0] == 8) {
        if (csum(pl, plen)) {
            say("%s: icmp echo from %s with a bad checksum dropped", nic.ops->name, ipstr(get32(ip + 12)));
            return -1;
        }
        u8 *r = tx_wait();
        if (plen > 1480)
            return -1;
        eth_header(r, f + 6, ETH_IP);
        ip_header(r + 14, get32(ip + 12), 1, plen);
        u8 *icmp = r + 34;
        memcpy(icmp, pl, plen);
        icmp[0] = 0;              /* echo reply */
        put16(icmp + 2, 0);
        put16(icmp + 2, csum(icmp, plen));
        nic_send(&nic, 34 + plen);
        nic_flush(&nic);
        answered_echo++;
        if (verbose)
            say("%s: icmp echo from %s id=%u seq=%u len=%u answered", nic.ops->name, ipstr(get32(ip + 12)),
                get16(pl + 4), get16(pl + 6), plen);
        return -1;
    }
    if (ip[9] == 17 && plen >= 8)
        return (int)(plen - 8);
    return -1;
}

/* Polls once; returns the UDP payload length of a frame for us, else -1. */
static int poll_once(bool verbose)
{
    u8 *f;
    int len = nic_recv(&nic, &f);
    if (len == -1)
        return -1;
    int r = len >= 0 ? handle(f, len, verbose) : -1;
    nic_recv_done(&nic);
    return r;
}

static void net_setup(void)
{
    opt_ip("ip", 0x0A000002, &my_ip);      /* 10.0.0.2 */
    opt_ip("peer", (my_ip & ~0xFFu) | 1, &peer_ip);
    nic_init(&nic);
}

static u64 serve(u64 unused)
{
    (void)unused;
    net_setup();
    u64 want = opt_u64("count", 3), ms = opt_u64("ms", 30000);
    say("%s: ready ip=%s echo_requests=%lu ms=%lu", nic.ops->name, ipstr(my_ip), want, ms);
    u64 end = rdtsc() + ms * tsc_khz;
    while (answered_echo < want) {
        if (rdtsc() > end)
            fail("%s: answered %lu of %lu echo requests within %lu ms", nic.ops->name, answered_echo, want, ms);
        poll_once(true);
    }
    say("%s: ok echo=%lu arp=%lu", nic.ops->name, answered_echo, answered_arp);
    return 0;
}

void mode_e1000(void)
{
    nic.ops = &e1000_ops;
    user_run(serve, 0);
}

void mode_virtio_net(void)
{
    nic.ops = &vnet_ops;
    user_run(serve, 0);
}

/* nic=e1000 or nic=virtio-net; without it, an e1000 when there is one, else virtio-net. */
static const struct nic_ops *bench_nic(void)
{
    const char *want = opt_str("nic", "");
    if (streq(want, "e1000"))
        return &e1000_ops;
    if (streq(want, "virtio-net"))
        return &vnet_ops;
    if (want[0])
        fail("net-bench: nic=%s is neither e1000 nor virtio-net", want);
    return e1000_ops.probe() ? &e1000_ops : &vnet_ops;
}

static u64 net_bench(u64 unused)
{
    (void)unused;
    net_setup();
    u64 ms = opt_u64("ms", 1000), size = opt_u64("size", 1472);
    u16 port = (u16)opt_u64("port", 9);
    if (size < 18 || size > 1472)
        fail("net-bench: size=%lu must be 18..1472 (UDP payload bytes)", size);
    say("net-bench: nic=%s ip=%s peer=%s port=%u size=%lu ms=%lu", nic.ops->name, ipstr(my_ip), ipstr(peer_ip), port,
        size, ms);
    for (int tries = 0; !peer_known; tries++) {
        if (tries == 20)
            fail("net-bench: no ARP reply from %s in 10 s", ipstr(peer_ip));
        send_arp(1, NULL, peer_ip);
        u64 end = rdtsc() + 500 * tsc_khz;
        while (!peer_known && rdtsc() < end)
            poll_once(false);
    }
    say("net-bench: peer mac=%02x:%02x:%02x:%02x:%02x:%02x", peer_mac[0], peer_mac[1], peer_mac[2],
        peer_mac[3], peer_mac[4], peer_mac[5]);

    /* transmit: UDP 5001 -> peer:port, payload = sequence number then a fill pattern; first
       warmup= ms unmeasured (a JIT-compiled VMM reaches its steady state) */
    u64 warm = opt_u64("warmup", 0), sent = 0, t0 = rdtsc(), end = t0 + (warm + ms) * tsc_khz;
    u64 measured_from = warm ? t0 + warm * tsc_khz : 0, warm_sent = 0;
    u32 batch = 0;
    while (rdtsc() < end) {
        if (measured_from && rdtsc() >= measured_from) {
            nic_flush(&nic);
            say("net-bench: warmup tx packets=%lu ms=%lu", sent, warm);
            warm_sent = sent;
            t0 = rdtsc();
            measured_from = 0;
        }
        u8 *f = nic_tx_buf(&nic);
        if (!f) {
            nic_flush(&nic);
            batch = 0;
            continue;
        }
        eth_header(f, peer_mac, ETH_IP);
        ip_header(f + 14, peer_ip, 17, 8 + size);
        u8 *udp = f + 34;
        put16(udp, 5001), put16(udp + 2, port), put16(udp + 4, (u16)(8 + size)), put16(udp + 6, 0);
        put32(udp + 8, (u32)(sent >> 32)), put32(udp + 12, (u32)sent);
        for (u64 i = 16; i < 8 + size; i++)
            udp[i] = (u8)i;
        nic_send(&nic, 42 + size);
        sent++;
        if (++batch == 16) {
            nic_flush(&nic);
            batch = 0;
        }
    }
    nic_flush(&nic);
    u64 t = rdtsc() - t0;
    sent -= warm_sent;
    u64 pps = rate_per_sec(sent, t), mbs = rate_per_sec(sent * size, t) / 1000000;
    say("net-bench: tx packets=%lu bytes=%lu us=%lu pps=%lu.%lu mb_s=%lu.%lu", sent, sent * size,
        tsc_to_us(t), pps / 10, pps % 10, mbs / 10, mbs % 10);

    /* receive: UDP to us; the window starts with the first packet and lasts ms */
    say("net-bench: rx ready");
    u64 wait_end = rdtsc() + opt_u64("ms", 1000) * tsc_khz + 10000 * tsc_khz;
    int n;
    while ((n = poll_once(false)) < 0)
        if (rdtsc() > wait_end)
            fail("net-bench: no UDP packet to %s within %lu ms of rx ready", ipstr(my_ip), ms + 10000);
    u64 got = 1, bytes = (u64)n;
    if (warm) {
        u64 wend = rdtsc() + warm * tsc_khz;
        while (rdtsc() < wend)
            if (poll_once(false) >= 0)
                got++;
        say("net-bench: warmup rx packets=%lu ms=%lu", got, warm);
        got = 0, bytes = 0;
    }
    t0 = rdtsc(), end = t0 + ms * tsc_khz;
    u64 last = t0;
    while ((t = rdtsc()) < end) {
        n = poll_once(false);
        if (n >= 0)
            got++, bytes += (u64)n, last = t;
        else if (t - last > 500 * tsc_khz)
            break;                 /* the peer has stopped: half a second of silence */
    }
    t = last - t0;
    pps = rate_per_sec(got, t), mbs = rate_per_sec(bytes, t) / 1000000;
    say("net-bench: rx packets=%lu bytes=%lu us=%lu pps=%lu.%lu mb_s=%lu.%lu", got, bytes, tsc_to_us(t),
        pps / 10, pps % 10, mbs / 10, mbs % 10);
    say("net-bench: done");
    return 0;
}

void mode_net_bench(void)
{
    nic.ops = bench_nic();
    user_run(net_bench, 0);
}
