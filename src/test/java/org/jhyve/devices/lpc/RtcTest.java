package org.jhyve.devices.lpc;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import static org.jhyve.devices.lpc.Rtc.*;
import static org.junit.jupiter.api.Assertions.*;

class RtcTest {
    private static final long MIB = 1L << 20, GIB = 1L << 30;

    /** A clock the test moves by hand. */
    static final class HandClock extends Clock {
        Instant now;
        final ZoneId zone;

        HandClock(Instant now, ZoneId zone) {
            this.now = now;
            this.zone = zone;
        }

        @Override public ZoneId getZone() { return zone; }

        @Override public Clock withZone(ZoneId z) { return new HandClock(now, z); }

        @Override public Instant instant() { return now; }
    }

    private HandClock clock;

    @BeforeEach
    void setUp() {
        // 2024-02-29 21:07:09.5 UTC, a Thursday; 22:07:09 in Berlin (CET, +1).
        clock = new HandClock(Instant.parse("2024-02-29T21:07:09.500Z"), ZoneId.of("Europe/Berlin"));
    }

    private static int reg(Rtc rtc, int r) {
        rtc.write(0, 1, r);
        return (int) rtc.read(1, 1);
    }

    private static void set(Rtc rtc, int r, int v) {
        rtc.write(0, 1, r);
        rtc.write(1, 1, v);
    }

    @Test
    void localTimeInBcdAnd24HoursByDefault() {
        Rtc rtc = new Rtc(clock, true, 256 * MIB, 0);
        assertEquals(0x09, reg(rtc, SEC));
        assertEquals(0x07, reg(rtc, MIN));
        assertEquals(0x22, reg(rtc, HOUR));
        assertEquals(0x05, reg(rtc, DAY_OF_WEEK), "Thursday, Sunday = 1");
        assertEquals(0x29, reg(rtc, DAY));
        assertEquals(0x02, reg(rtc, MONTH));
        assertEquals(0x24, reg(rtc, YEAR));
        assertEquals(0x20, reg(rtc, CENTURY));
        assertEquals(SB_24HR, reg(rtc, STATUS_B));
        assertEquals(0x26, reg(rtc, STATUS_A));
        assertEquals(SD_VRT, reg(rtc, STATUS_D));
    }

    @Test
    void utcWhenLocalTimeIsOff() {
        Rtc rtc = new Rtc(clock, false, 256 * MIB, 0);
        assertEquals(0x21, reg(rtc, HOUR));
    }

    @Test
    void binaryAnd12HourModes() {
        Rtc rtc = new Rtc(clock, true, 256 * MIB, 0);
        set(rtc, STATUS_B, SB_BINARY);   // binary, 12 hours
        assertEquals(29, reg(rtc, DAY));
        assertEquals(0x80 | 10, reg(rtc, HOUR), "10 PM");
        set(rtc, STATUS_B, 0);   // BCD, 12 hours
        assertEquals(0x80 | 0x10, reg(rtc, HOUR));
        clock.now = Instant.parse("2024-02-29T23:30:00Z");   // 00:30 local: 12 AM
        assertEquals(0x12, reg(rtc, HOUR));
    }

    @Test
    void nmiBitOfTheIndexIsIgnoredAndIndexReadsFF() {
        Rtc rtc = new Rtc(clock, true, 256 * MIB, 0);
        rtc.write(0, 1, 0x80 | MIN);
        assertEquals(0x07, rtc.read(1, 1));
        assertEquals(0xFF, rtc.read(0, 1));
    }

    @Test
    void clockAdvancesWithTheHost() {
        Rtc rtc = new Rtc(clock, false, 256 * MIB, 0);
        clock.now = clock.now.plus(Duration.ofSeconds(3 * 3600 + 60));
        assertEquals(0x00, reg(rtc, HOUR), "rolled into March 1st");
        assertEquals(0x08, reg(rtc, MIN));
        assertEquals(0x01, reg(rtc, DAY));
        assertEquals(0x03, reg(rtc, MONTH));
    }

    @Test
    void guestSetsTheClockWithSetBitAndKeepsAnOffset() {
        Rtc rtc = new Rtc(clock, false, 256 * MIB, 0);
        set(rtc, STATUS_B, SB_SET | SB_24HR);
        set(rtc, YEAR, 0x99);
        set(rtc, CENTURY, 0x19);
        set(rtc, MONTH, 0x12);
        set(rtc, DAY, 0x31);
        set(rtc, HOUR, 0x23);
        set(rtc, MIN, 0x59);
        set(rtc, SEC, 0x50);
        clock.now = clock.now.plusSeconds(30);   // frozen while SET holds it
        assertEquals(0x50, reg(rtc, SEC));
        assertEquals(0, reg(rtc, STATUS_A) & SA_UIP);
        set(rtc, STATUS_B, SB_24HR);
        clock.now = clock.now.plusSeconds(15);
        assertEquals(0x05, reg(rtc, SEC));
        assertEquals(0x00, reg(rtc, MIN));
        assertEquals(0x01, reg(rtc, MONTH));
        assertEquals(0x00, reg(rtc, YEAR));
        assertEquals(0x20, reg(rtc, CENTURY), "into 2000");
    }

    @Test
    void fieldWriteWithoutSetMovesTheClockAtOnce() {
        Rtc rtc = new Rtc(clock, false, 256 * MIB, 0);
        set(rtc, MIN, 0x30);
        assertEquals(0x30, reg(rtc, MIN));
        clock.now = clock.now.plusSeconds(60);
        assertEquals(0x31, reg(rtc, MIN));
    }

    @Test
    void setBitClearsUpdateInterruptEnable() {
        Rtc rtc = new Rtc(clock, true, 256 * MIB, 0);
        set(rtc, STATUS_B, SB_SET | SB_UIE | SB_24HR);
        assertEquals(SB_SET | SB_24HR, reg(rtc, STATUS_B));
    }

    @Test
    void updateInProgressInTheLast244Microseconds() {
        Rtc rtc = new Rtc(clock, true, 256 * MIB, 0);
        assertEquals(0, reg(rtc, STATUS_A) & SA_UIP);
        clock.now = Instant.parse("2024-02-29T21:07:09.999800Z");
        assertEquals(SA_UIP, reg(rtc, STATUS_A) & SA_UIP);
        set(rtc, STATUS_A, 0xFF);
        clock.now = Instant.parse("2024-02-29T21:07:10.1Z");
        assertEquals(0x7F, reg(rtc, STATUS_A), "UIP is read-only");
    }

    @Test
    void statusCFlagsAnUpdateOncePerSecondAndClearsOnRead() {
        Rtc rtc = new Rtc(clock, true, 256 * MIB, 0);
        assertEquals(0, reg(rtc, STATUS_C));
        clock.now = clock.now.plusSeconds(1);
        assertEquals(SC_UF, reg(rtc, STATUS_C));
        assertEquals(0, reg(rtc, STATUS_C));
        set(rtc, STATUS_B, SB_24HR | SB_UIE);
        clock.now = clock.now.plusSeconds(1);
        assertEquals(SC_IRQF | SC_UF, reg(rtc, STATUS_C));
        set(rtc, STATUS_C, 0xFF);
        set(rtc, STATUS_D, 0);
        assertEquals(SD_VRT, reg(rtc, STATUS_D));
    }

    @Test
    void memorySizeBytesAsBhyveAndTheBiosExpect() {
        Rtc rtc = new Rtc(clock, true, 3 * GIB, 5 * GIB);
        assertEquals(640, reg(rtc, BASE_MEM_LO) | reg(rtc, BASE_MEM_HI) << 8);
        assertEquals(0xFFFF, reg(rtc, EXT_MEM_LO) | reg(rtc, EXT_MEM_HI) << 8, "capped at 64 MiB");
        assertEquals(0xFFFF, reg(rtc, EXT_MEM2_LO) | reg(rtc, EXT_MEM2_HI) << 8);
        assertEquals((3 * GIB - 16 * MIB) / (64 * 1024), reg(rtc, LMEM_LSB) | reg(rtc, LMEM_MSB) << 8);
        assertEquals(5 * GIB / (64 * 1024), reg(rtc, HMEM_LSB) | reg(rtc, HMEM_SB) << 8 | reg(rtc, HMEM_MSB) << 16);
        Rtc small = new Rtc(clock, true, 32 * MIB, 0);
        assertEquals(31 * 1024, reg(small, EXT_MEM_LO) | reg(small, EXT_MEM_HI) << 8);
        assertEquals(256, reg(small, LMEM_LSB) | reg(small, LMEM_MSB) << 8);
        assertEquals(0, reg(small, HMEM_LSB) | reg(small, HMEM_SB) | reg(small, HMEM_MSB));
    }

    @Test
    void nvramIsReadWrite() {
        Rtc rtc = new Rtc(clock, true, 256 * MIB, 0);
        set(rtc, 0x40, 0xA5);
        set(rtc, 0x7F, 0x5A);
        assertEquals(0xA5, reg(rtc, 0x40));
        assertEquals(0x5A, reg(rtc, 0x7F));
        rtc.write(0, 2, 0x3C << 8 | 0x41);   // word out: index then data
        assertEquals(0x3C, reg(rtc, 0x41));
    }
}
