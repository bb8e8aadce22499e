/* virtio-blk modes: `virtio-blk` (a functional check), `blk-bench` (throughput and IOPS) and
   `blk-records` (numbered durable records for a kill-the-VMM durability test). All in user mode. */
#include "virtio.h"

#define F_SIZE_MAX (1UL << 1)
#define F_SEG_MAX (1UL << 2)
#define F_RO (1UL << 5)
#define F_BLK_SIZE (1UL << 6)
#define F_FLUSH (1UL << 9)
#define F_DISCARD (1UL << 13)
#define F_WRITE_ZEROES (1UL << 14)

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13

#define MAX_SLOTS 32
#define TIMEOUT_MS 10000

struct req_hdr { u32 type, reserved; u64 sector; };
struct slot { struct vring_desc table[3]; struct req_hdr hdr; u8 status; u8 pad[15]; };

static struct vdev dev;
static struct virtq q;
static struct slot *slots;
static u16 slot_of_head[1024];
static u64 capacity;
static u32 size_max;
static int nslots;

static const char *status_name(u8 s)
{
    return s == 0 ? "ok" : s == 1 ? "ioerr" : s == 2 ? "unsupp" : "bad";
}

static void blk_open(void)
{
    if (!virtio_find(VIRTIO_BLK, (int)opt_u64("index", 0), &dev, "virtio-blk"))
        fail("virtio-blk: no virtio block device (1af4:1042 or 1af4:1001) on bus 0");
    virtio_negotiate(&dev, F_SIZE_MAX | F_SEG_MAX | F_RO | F_BLK_SIZE | F_FLUSH | F_DISCARD | F_WRITE_ZEROES
                     | VIRTIO_F_INDIRECT_DESC);
    u16 size = virtio_queue(&dev, &q, 0, 256);
    virtio_driver_ok(&dev);
    /* with indirect descriptors a request takes one ring entry, else three */
    int per = dev.features & VIRTIO_F_INDIRECT_DESC ? 1 : 3;
    nslots = size / per < MAX_SLOTS ? size / per : MAX_SLOTS;
    if (nslots < 1)
        fail("virtio-blk: queue size %u is below 3 descriptors", size);
    slots = dma_alloc(sizeof(struct slot) * MAX_SLOTS, 64);
    capacity = vcfg64(&dev, 0);
    size_max = dev.features & F_SIZE_MAX ? vcfg32(&dev, 8) : 0;
    say("virtio-blk: capacity=%lu sectors (%lu MiB) queue_size=%u indirect=%d size_max=%u seg_max=%u"
        " blk_size=%u ro=%d flush=%d discard=%d write_zeroes=%d", capacity, capacity >> 11, size,
        !!(dev.features & VIRTIO_F_INDIRECT_DESC),
        size_max, dev.features & F_SEG_MAX ? vcfg32(&dev, 12) : 0,
        dev.features & F_BLK_SIZE ? vcfg32(&dev, 20) : 512, !!(dev.features & F_RO),
        !!(dev.features & F_FLUSH), !!(dev.features & F_DISCARD), !!(dev.features & F_WRITE_ZEROES));
}

/* Queues one request in slot s: header, optional data, status. */
static void submit(int s, u32 type, u64 sector, void *data, u32 len, bool device_writes)
{
    struct slot *sl = &slots[s];
    sl->hdr = (struct req_hdr){ type, 0, sector };
    sl->status = 0xFF;
    struct vbuf b[3] = { { &sl->hdr, sizeof sl->hdr, false } };
    int n = 1;
    if (len)
        b[n++] = (struct vbuf){ data, len, device_writes };
    b[n++] = (struct vbuf){ &sl->status, 1, true };
    int head = dev.features & VIRTIO_F_INDIRECT_DESC ? vq_add_indirect(&q, sl->table, b, n) : vq_add(&q, b, n);
    if (head < 0)
        fail("virtio-blk: ring full with slot %d", s);
    slot_of_head[head] = (u16)s;
}

/* Waits for one completion; returns its slot. */
static int complete(void)
{
    u32 len;
    u32 head = vq_wait(&dev, &q, &len, TIMEOUT_MS);
    return slot_of_head[head];
}

static u8 sync_req(u32 type, u64 sector, void *data, u32 len, bool device_writes)
{
    submit(0, type, sector, data, len, device_writes);
    vq_kick(&q);
    complete();
    return slots[0].status;
}

static void fill(u8 *buf, u32 len, u64 seed)
{
    for (u32 i = 0; i < len; i++)
        buf[i] = (u8)(seed * 131 + i * 7 + (i >> 9));
}

static void check_ok(u8 st, const char *what)
{
    if (st != 0)
        fail("virtio-blk: %s: status=%u (%s)", what, st, status_name(st));
}

static u64 blk_check(u64 unused)
{
    (void)unused;
    blk_open();
    char id[21];
    memset(id, 0, sizeof id);
    u8 st = sync_req(T_GET_ID, 0, id, 20, true);
    if (st == 0)
        say("virtio-blk: get-id status=ok id=%s", id[0] ? id : "(empty)");
    else
        say("virtio-blk: get-id status=%s", status_name(st));
    u64 base = opt_u64("sector", 0);
    u32 count = 16;
    if (capacity < base + count)
        fail("virtio-blk: capacity %lu sectors is too small for the test area at sector %lu", capacity, base);
    u8 *wbuf = dma_alloc(count * 512, 4096), *rbuf = dma_alloc(count * 512, 4096);
    if (dev.features & F_RO) {
        check_ok(sync_req(T_IN, base, rbuf, count * 512, true), "read");
        say("virtio-blk: read sector=%lu count=%u status=ok (read-only device)", base, count);
        /* a write must be refused with IOERR and leave the sectors as they were */
        for (u32 i = 0; i < count * 512; i++)
            wbuf[i] = (u8)~rbuf[i];
        st = sync_req(T_OUT, base, wbuf, count * 512, false);
        say("virtio-blk: write on read-only device sector=%lu status=%s", base, status_name(st));
        if (st != 1)
            fail("virtio-blk: a write to the read-only device returned status %u, expected 1 (ioerr)", st);
        check_ok(sync_req(T_IN, base, wbuf, count * 512, true), "read after the refused write");
        for (u32 i = 0; i < count * 512; i++)
            if (wbuf[i] != rbuf[i])
                fail("virtio-blk: byte %u changed after a refused write: 0x%02x, was 0x%02x", i, wbuf[i], rbuf[i]);
        say("virtio-blk: read-only sectors unchanged");
        virtio_irq_report(&dev);
        say("virtio-blk: ok");
        return 0;
    }
    fill(wbuf, count * 512, base + rdtsc());
    check_ok(sync_req(T_OUT, base, wbuf, count * 512, false), "write");
    say("virtio-blk: write sector=%lu count=%u status=ok", base, count);
    if (dev.features & F_FLUSH) {
        check_ok(sync_req(T_FLUSH, 0, NULL, 0, false), "flush");
        say("virtio-blk: flush status=ok");
    }
    memset(rbuf, 0, count * 512);
    check_ok(sync_req(T_IN, base, rbuf, count * 512, true), "read");
    for (u32 i = 0; i < count * 512; i++)
        if (rbuf[i] != wbuf[i])
            fail("virtio-blk: read back differs at byte %u (sector %lu): 0x%02x, wrote 0x%02x", i,
                 base + i / 512, rbuf[i], wbuf[i]);
    say("virtio-blk: read sector=%lu count=%u verify=ok", base, count);
    if (dev.features & F_WRITE_ZEROES) {
        struct { u64 sector; u32 num, flags; } *seg = dma_alloc(16, 16);
        *seg = (typeof(*seg)){ base + 4, 4, 0 };
        check_ok(sync_req(T_WRITE_ZEROES, 0, seg, 16, false), "write-zeroes");
        memset(rbuf, 0xAA, count * 512);
        check_ok(sync_req(T_IN, base, rbuf, count * 512, true), "read after write-zeroes");
        for (u32 i = 0; i < count * 512; i++) {
            u8 want = i >= 4 * 512 && i < 8 * 512 ? 0 : wbuf[i];
            if (rbuf[i] != want)
                fail("virtio-blk: after write-zeroes byte %u (sector %lu) is 0x%02x, expected 0x%02x",
                     i, base + i / 512, rbuf[i], want);
        }
        say("virtio-blk: write-zeroes sector=%lu count=4 status=ok verify=ok", base + 4);
    }
    if (dev.features & F_DISCARD) {
        struct { u64 sector; u32 num, flags; } *seg = dma_alloc(16, 16);
        *seg = (typeof(*seg)){ base + 8, 8, 0 };
        check_ok(sync_req(T_DISCARD, 0, seg, 16, false), "discard");
        say("virtio-blk: discard sector=%lu count=8 status=ok", base + 8);
    }
    st = sync_req(T_IN, capacity, rbuf, 512, true);
    say("virtio-blk: read beyond end sector=%lu status=%s", capacity, status_name(st));
    if (st != 1)
        fail("virtio-blk: a read at sector %lu (the capacity) returned status %u, expected 1 (ioerr)",
             capacity, st);
    virtio_irq_report(&dev);
    say("virtio-blk: ok");
    return 0;
}

void mode_virtio_blk(void)
{
    user_run(blk_check, 0);
}

/* ---- blk-bench ---- */

static u64 rng_state = 0x9E3779B97F4A7C15UL;
static u64 next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Runs one test for ms milliseconds keeping qd requests in flight; bs bytes each. The first
   warm ms run the same way unmeasured (a JIT-compiled VMM reaches its steady state), and are
   reported apart as warm_ops/warm_us. */
static void bench_one(const char *name, bool write, bool random, int qd, u32 bs, u64 region,
                      u8 *bufs, u64 ms, u64 warm)
{
    u64 sectors_per = bs / 512, slots_in_region = region / bs, next_seq = 0;
    u64 ops = 0, issued = 0, t0 = rdtsc(), end = t0 + (warm + ms) * tsc_khz, t;
    u64 measured_from = warm ? t0 + warm * tsc_khz : 0, warm_ops = 0, warm_t = 0;
    int inflight = 0;
    static u64 issue_time[MAX_SLOTS];
    u64 lat_total = 0;
    for (int s = 0; s < qd; s++) {
        u64 idx = random ? next_rand() % slots_in_region : next_seq++ % slots_in_region;
        submit(s, write ? T_OUT : T_IN, idx * sectors_per, bufs + (u64)s * bs, bs, !write);
        issue_time[s] = rdtsc();
        inflight++, issued++;
    }
    vq_kick(&q);
    for (;;) {
        int s = complete();
        inflight--;
        t = rdtsc();
        lat_total += t - issue_time[s];
        if (slots[s].status != 0)
            fail("blk-bench: %s: request failed with status %u", name, slots[s].status);
        ops++;
        if (measured_from && t >= measured_from) {
            warm_ops = ops, warm_t = t - t0;
            ops = 0, lat_total = 0, t0 = t;
            measured_from = 0;
        }
        if (t < end) {
            u64 idx = random ? next_rand() % slots_in_region : next_seq++ % slots_in_region;
            submit(s, write ? T_OUT : T_IN, idx * sectors_per, bufs + (u64)s * bs, bs, !write);
            issue_time[s] = rdtsc();
            inflight++, issued++;
            vq_kick(&q);
        } else if (inflight == 0) {
            break;
        }
    }
    t = rdtsc() - t0;
    u64 iops = rate_per_sec(ops, t), bytes = ops * bs;
    u64 mbs = rate_per_sec(bytes, t) / 1000000;     /* MB/s times 10 */
    say("blk-bench: %s qd=%d bs=%u ops=%lu bytes=%lu us=%lu mb_s=%lu.%lu iops=%lu.%lu avg_lat_us=%lu"
        " warm_ops=%lu warm_us=%lu",
        name, qd, bs, ops, bytes, tsc_to_us(t), mbs / 10, mbs % 10, iops / 10, iops % 10,
        tsc_to_us(lat_total / (ops ? ops : 1)), warm_ops, tsc_to_us(warm_t));
}

static u64 blk_bench(u64 unused)
{
    (void)unused;
    blk_open();
    if (dev.features & F_RO)
        fail("blk-bench: the device is read-only (VIRTIO_BLK_F_RO); the bench writes");
    u64 ms = opt_u64("ms", 1000), warm = opt_u64("warmup", 0);
    u32 seq_bs = (u32)opt_u64("size", 131072);
    if (seq_bs < 4096 || seq_bs % 4096 || seq_bs > 1048576)
        fail("blk-bench: size=%u must be a multiple of 4096 between 4096 and 1048576", seq_bs);
    if (size_max && seq_bs > size_max)
        seq_bs = size_max & ~4095u;
    u64 region = opt_u64("mib", 64) << 20;
    if (region > capacity * 512)
        region = capacity * 512 & ~(u64)(seq_bs - 1);
    if (region < seq_bs)
        fail("blk-bench: disk of %lu sectors is smaller than one %u-byte request", capacity, seq_bs);
    int qd_max = nslots;
    u8 *bufs = dma_alloc((u64)qd_max * seq_bs, 4096);
    for (u64 i = 0; i < (u64)qd_max * seq_bs; i++)
        bufs[i] = (u8)(i * 13);
    say("blk-bench: region=%lu MiB ms=%lu warmup=%lu seq_bs=%u rand_bs=4096 qd_max=%d", region >> 20, ms, warm,
        seq_bs, qd_max);
    static const int qds[2] = { 1, 32 };
    u64 only_qd = opt_u64("qd", 0);
    for (int k = 0; k < 2; k++) {
        if (only_qd && only_qd != (u64)qds[k])
            continue;
        int qd = qds[k] < qd_max ? qds[k] : qd_max;
        bench_one("seq-write", true, false, qd, seq_bs, region, bufs, ms, warm);
        bench_one("seq-read", false, false, qd, seq_bs, region, bufs, ms, warm);
        bench_one("rand-write", true, true, qd, 4096, region, bufs, ms, warm);
        bench_one("rand-read", false, true, qd, 4096, region, bufs, ms, warm);
    }
    if (dev.features & F_FLUSH) {
        u64 t0 = rdtsc();
        check_ok(sync_req(T_FLUSH, 0, NULL, 0, false), "flush");
        say("blk-bench: flush us=%lu", tsc_to_us(rdtsc() - t0));
    }
    say("blk-bench: done");
    return 0;
}

void mode_blk_bench(void)
{
    user_run(blk_bench, 0);
}

/* ---- blk-records ---- */

/* Record n fills sector base+n: "JHYVEREC", u64 n, u64 ~n (little-endian), then 488 bytes of
   (u8)(n + i) for i = 24..511. */
static u64 blk_records(u64 unused)
{
    (void)unused;
    blk_open();
    if (dev.features & F_RO)
        fail("blk-records: the device is read-only (VIRTIO_BLK_F_RO)");
    u64 base = opt_u64("sector", 0), count = opt_u64("count", 1000);
    if (base + count > capacity)
        fail("blk-records: sectors %lu..%lu exceed the capacity of %lu sectors", base, base + count - 1, capacity);
    bool flush = dev.features & F_FLUSH;
    say("blk-records: sector=%lu count=%lu flush=%s", base, count,
        flush ? "yes" : "no (no VIRTIO_BLK_F_FLUSH: a completed write is durable)");
    u8 *rec = dma_alloc(512, 512);
    for (u64 n = 0; n < count; n++) {
        memcpy(rec, "JHYVEREC", 8);
        u64 inv = ~n;
        memcpy(rec + 8, &n, 8);
        memcpy(rec + 16, &inv, 8);
        for (int i = 24; i < 512; i++)
            rec[i] = (u8)(n + i);
        check_ok(sync_req(T_OUT, base + n, rec, 512, false), "record write");
        if (flush)
            check_ok(sync_req(T_FLUSH, 0, NULL, 0, false), "record flush");
        say("blk-records: record %lu durable", n);
    }
    say("blk-records: done count=%lu", count);
    return 0;
}

void mode_blk_records(void)
{
    user_run(blk_records, 0);
}
