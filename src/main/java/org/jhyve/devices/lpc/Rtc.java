package org.jhyve.devices.lpc;

import org.jhyve.bus.IoDevice;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The MC146818 CMOS clock at ports 0x70 (index; bit 7, NMI disable, is ignored) and 0x71 (data).
 * Time comes from the host clock, in local time unless rtc.use_localtime=false (bhyve -u), shown
 * in BCD or binary and 12 or 24 hours as status B says; a guest that sets the clock (status B SET,
 * then the fields) keeps an offset to the host clock. Status A reports update-in-progress in the
 * last 244 µs of each second, status C flags an update (UF) since it was last read, status D
 * says the battery is good. The NVRAM carries the memory sizes firmware reads: base memory
 * (0x15-0x16), extended memory (0x17-0x18, 0x30-0x31), bhyve's 64 KiB counts of RAM between
 * 16 MiB and 4 GiB (0x34-0x35) and above 4 GiB (0x5B-0x5D); the century is at 0x32.
 * Periodic, alarm and update interrupts (IRQ 8) are not generated.
 */
public final class Rtc implements IoDevice {
    public static final int PORT = 0x70;
    public static final int SEC = 0x00, SEC_ALARM = 0x01, MIN = 0x02, MIN_ALARM = 0x03, HOUR = 0x04, HOUR_ALARM = 0x05,
            DAY_OF_WEEK = 0x06, DAY = 0x07, MONTH = 0x08, YEAR = 0x09, STATUS_A = 0x0A, STATUS_B = 0x0B,
            STATUS_C = 0x0C, STATUS_D = 0x0D, CENTURY = 0x32;
    public static final int BASE_MEM_LO = 0x15, BASE_MEM_HI = 0x16, EXT_MEM_LO = 0x17, EXT_MEM_HI = 0x18,
            EXT_MEM2_LO = 0x30, EXT_MEM2_HI = 0x31, LMEM_LSB = 0x34, LMEM_MSB = 0x35,
            HMEM_LSB = 0x5B, HMEM_SB = 0x5C, HMEM_MSB = 0x5D;
    public static final int SA_UIP = 0x80, SB_SET = 0x80, SB_PIE = 0x40, SB_AIE = 0x20, SB_UIE = 0x10,
            SB_BINARY = 0x04, SB_24HR = 0x02, SC_IRQF = 0x80, SC_PF = 0x40, SC_AF = 0x20, SC_UF = 0x10, SD_VRT = 0x80;
    private static final long UIP_NANOS = 244_000;
    private static final long MIB = 1L << 20, KIB = 1L << 10;

    private final Clock clock;
    private final boolean localTime;
    private ZoneId zone;                 // resolved at the guest's first look at the clock
    private final Instant created;
    private final byte[] nvram = new byte[128];
    private int index;
    private long offsetSeconds;          // guest time minus host time
    private LocalDateTime frozen;        // the fields while status B SET holds the clock
    private long lastUpdateSeen = NEVER; // epoch second of the guest clock when C was last read
    private static final long NEVER = Long.MIN_VALUE;

    /** lowMem: RAM below 4 GiB; highMem: RAM above 4 GiB (bytes). */
    public Rtc(Clock clock, boolean localTime, long lowMem, long highMem) {
        this.clock = clock;
        this.localTime = localTime;
        this.created = clock.instant();
        nvram[STATUS_A] = 0x26;          // 32.768 kHz time base, 1024 Hz periodic rate
        nvram[STATUS_B] = SB_24HR;
        setWord(BASE_MEM_LO, 640);
        long ext = Math.min(Math.max(lowMem - MIB, 0) / KIB, 0xFFFF);
        setWord(EXT_MEM_LO, ext);
        setWord(EXT_MEM2_LO, ext);
        setWord(LMEM_LSB, Math.min(Math.max(lowMem - 16 * MIB, 0) / (64 * KIB), 0xFFFF));
        long high = highMem / (64 * KIB);
        nvram[HMEM_LSB] = (byte) high;
        nvram[HMEM_SB] = (byte) (high >> 8);
        nvram[HMEM_MSB] = (byte) (high >> 16);
    }

    /**
     * The host's clock, for production. Its time zone is looked up when the guest first reads the
     * clock, not at start: resolving the host's zone loads the JDK's time-zone database, ~20 ms of
     * CPU that a guest which never reads the RTC should not wait for.
     */
    public Rtc(boolean localTime, long lowMem, long highMem) { this(HostClock.INSTANCE, localTime, lowMem, highMem); }

    /** The system clock, whose zone (the host's default) is resolved on first use. */
    private static final class HostClock extends Clock {
        static final HostClock INSTANCE = new HostClock();

        @Override public ZoneId getZone() { return Zone.HOST; }

        @Override public Clock withZone(ZoneId z) { return Clock.system(z); }

        @Override public Instant instant() { return Instant.now(); }

        /** Initialised by the JVM on first access: the lazy, thread-safe lookup. */
        private static final class Zone {
            static final ZoneId HOST = ZoneId.systemDefault();
        }
    }

    private ZoneId zone() {
        if (zone == null) zone = localTime ? clock.getZone() : ZoneOffset.UTC;
        return zone;
    }

    private void setWord(int reg, long v) {
        nvram[reg] = (byte) v;
        nvram[reg + 1] = (byte) (v >> 8);
    }

    @Override
    public long read(long offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) v |= (long) readPort((int) offset + i) << (8 * i);
        return v;
    }

    @Override
    public void write(long offset, int size, long value) {
        for (int i = 0; i < size; i++) writePort((int) offset + i, (int) (value >>> (8 * i)) & 0xFF);
    }

    private synchronized int readPort(int port) {
        return switch (port) {
            case 0 -> 0xFF;   // the index register is write-only
            case 1 -> readRegister(index);
            default -> 0xFF;
        };
    }

    private synchronized void writePort(int port, int value) {
        if (port == 0) index = value & 0x7F;
        else if (port == 1) writeRegister(index, value);
    }

    /** The CMOS register at idx as the guest reads it (for firmware tables and tests). */
    public synchronized int readRegister(int idx) {
        int b = statusB();
        return switch (idx) {
            case SEC -> encode(time().getSecond(), b);
            case MIN -> encode(time().getMinute(), b);
            case HOUR -> encodeHour(time().getHour(), b);
            case DAY_OF_WEEK -> encode(time().getDayOfWeek().getValue() % 7 + 1, b);   // 1 = Sunday
            case DAY -> encode(time().getDayOfMonth(), b);
            case MONTH -> encode(time().getMonthValue(), b);
            case YEAR -> encode(time().getYear() % 100, b);
            case CENTURY -> encode(time().getYear() / 100, b);
            case STATUS_A -> (nvram[STATUS_A] & 0x7F) | (updateInProgress() ? SA_UIP : 0);
            case STATUS_C -> readStatusC();
            case STATUS_D -> SD_VRT;
            default -> nvram[idx] & 0xFF;
        };
    }

    private void writeRegister(int idx, int value) {
        int b = statusB();
        switch (idx) {
            case SEC -> setTime(time().withSecond(range(decode(value, b), 0, 59)));
            case MIN -> setTime(time().withMinute(range(decode(value, b), 0, 59)));
            case HOUR -> setTime(time().withHour(range(decodeHour(value, b), 0, 23)));
            case DAY_OF_WEEK -> { }   // derived from the date
            case DAY -> setTime(time().withDayOfMonth(range(decode(value, b), 1, time().toLocalDate().lengthOfMonth())));
            case MONTH -> setTime(time().withMonth(range(decode(value, b), 1, 12)));
            case YEAR -> setTime(time().withYear(time().getYear() / 100 * 100 + range(decode(value, b), 0, 99)));
            case CENTURY -> setTime(time().withYear(range(decode(value, b), 0, 99) * 100 + time().getYear() % 100));
            case STATUS_A -> nvram[STATUS_A] = (byte) (value & 0x7F);
            case STATUS_B -> {
                boolean wasSet = (b & SB_SET) != 0, set = (value & SB_SET) != 0;
                if (!wasSet && set) frozen = guestNow();
                int v = set ? value & ~SB_UIE : value;   // SET stops updates, so no update interrupts
                nvram[STATUS_B] = (byte) v;
                if (wasSet && !set) {
                    offsetSeconds = ChronoUnit.SECONDS.between(hostNow(), frozen);
                    frozen = null;
                }
            }
            case STATUS_C, STATUS_D -> { }   // read-only
            default -> nvram[idx] = (byte) value;
        }
    }

    private int statusB() { return nvram[STATUS_B] & 0xFF; }

    private LocalDateTime hostNow() {
        return LocalDateTime.ofInstant(clock.instant(), zone()).truncatedTo(ChronoUnit.SECONDS);
    }

    private LocalDateTime guestNow() { return hostNow().plusSeconds(offsetSeconds); }

    private LocalDateTime time() { return frozen != null ? frozen : guestNow(); }

    private void setTime(LocalDateTime t) {
        if (frozen != null) frozen = t;
        else offsetSeconds = ChronoUnit.SECONDS.between(hostNow(), t);
    }

    private boolean updateInProgress() {
        if (frozen != null) return false;
        Instant now = clock.instant();
        return now.getNano() >= 1_000_000_000L - UIP_NANOS;
    }

    private int readStatusC() {
        int c = 0;
        long second = time().toEpochSecond(ZoneOffset.UTC);
        // Before the first read, the last update seen is the one at power-on (the guest clock then).
        if (lastUpdateSeen == NEVER) lastUpdateSeen = LocalDateTime.ofInstant(created, zone()).toEpochSecond(ZoneOffset.UTC);
        if (frozen == null && second != lastUpdateSeen) c |= SC_UF;
        lastUpdateSeen = second;
        if ((c & SC_UF) != 0 && (statusB() & SB_UIE) != 0) c |= SC_IRQF;
        return c;
    }

    private static int encode(int v, int statusB) {
        return (statusB & SB_BINARY) != 0 ? v : (v / 10) << 4 | v % 10;
    }

    private static int decode(int v, int statusB) {
        return (statusB & SB_BINARY) != 0 ? v : (v >> 4) * 10 + (v & 0xF);
    }

    private static int encodeHour(int h, int statusB) {
        if ((statusB & SB_24HR) != 0) return encode(h, statusB);
        int h12 = h % 12 == 0 ? 12 : h % 12;
        return encode(h12, statusB) | (h >= 12 ? 0x80 : 0);
    }

    private static int decodeHour(int v, int statusB) {
        if ((statusB & SB_24HR) != 0) return decode(v, statusB);
        int h12 = decode(v & 0x7F, statusB) % 12;
        return (v & 0x80) != 0 ? h12 + 12 : h12;
    }

    /** Clamps what a guest writes into the field's range rather than letting java.time throw. */
    private static int range(int v, int min, int max) { return Math.max(min, Math.min(max, v)); }
}
