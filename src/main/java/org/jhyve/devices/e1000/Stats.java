package org.jhyve.devices.e1000;

/**
 * The statistics registers (0x4000-0x40FF), all clear-on-read as on the 8254x. Octet counters
 * are 64-bit pairs (low register first); reading the high half clears the pair.
 */
final class Stats {
    static final int CRCERRS = 0x4000, MPC = 0x4010, RNBC = 0x40A0, RUC = 0x40A4, ROC = 0x40AC,
            PRC64 = 0x405C, PRC127 = 0x4060, PRC255 = 0x4064, PRC511 = 0x4068, PRC1023 = 0x406C, PRC1522 = 0x4070,
            GPRC = 0x4074, BPRC = 0x4078, MPRC = 0x407C, GPTC = 0x4080, GORCL = 0x4088, GOTCL = 0x4090,
            TORL = 0x40C0, TOTL = 0x40C8, TPR = 0x40D0, TPT = 0x40D4,
            PTC64 = 0x40D8, PTC127 = 0x40DC, PTC255 = 0x40E0, PTC511 = 0x40E4, PTC1023 = 0x40E8, PTC1522 = 0x40EC,
            MPTC = 0x40F0, BPTC = 0x40F4, TSCTC = 0x40F8, TSCTFC = 0x40FC;

    private final long[] counters = new long[(Regs.STATS_END - Regs.STATS_START) / 4];

    private static boolean isOctetPair(int off) {
        return off == GORCL || off == GOTCL || off == TORL || off == TOTL;
    }

    void add(int reg, long n) {
        counters[(reg - Regs.STATS_START) / 4] += n;
    }

    /** A guest read: the counter (32 bits, saturating at all ones), cleared afterwards. */
    int read(int reg) {
        int i = (reg - Regs.STATS_START) / 4;
        if (isOctetPair(reg)) return (int) counters[i];   // the low half; the high read clears
        if (isOctetPair(reg - 4)) {
            long v = counters[i - 1];
            counters[i - 1] = 0;
            return (int) (v >>> 32);
        }
        long v = counters[i];
        counters[i] = 0;
        return (int) Math.min(v, 0xFFFFFFFFL);
    }

    void clear() { java.util.Arrays.fill(counters, 0); }

    void received(int len, boolean broadcast, boolean multicast) {
        add(TPR, 1);
        add(GPRC, 1);
        add(GORCL, len);
        add(TORL, len);
        if (broadcast) add(BPRC, 1);
        else if (multicast) add(MPRC, 1);
        add(sizeBucket(len, PRC64), 1);
    }

    void sent(int len, boolean broadcast, boolean multicast) {
        add(TPT, 1);
        add(GPTC, 1);
        add(GOTCL, len);
        add(TOTL, len);
        if (broadcast) add(BPTC, 1);
        else if (multicast) add(MPTC, 1);
        add(sizeBucket(len, PTC64), 1);
    }

    /** The 64/127/255/511/1023/1522 byte bucket (lengths with CRC), last bucket for larger ones. */
    private static int sizeBucket(int len, int first) {
        int b = len <= 64 ? 0 : len <= 127 ? 1 : len <= 255 ? 2 : len <= 511 ? 3 : len <= 1023 ? 4 : 5;
        return first + 4 * b;
    }
}
