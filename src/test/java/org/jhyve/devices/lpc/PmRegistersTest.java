package org.jhyve.devices.lpc;

import org.jhyve.bus.Bus;
import org.jhyve.devices.Fakes;
import org.jhyve.vm.ExitStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.jhyve.devices.lpc.PmRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

class PmRegistersTest {
    private Bus pio;
    private Fakes.Irq sci;
    private Fakes.Vm vm;
    private AtomicLong now;
    private PmRegisters pm;

    @BeforeEach
    void setUp() {
        pio = Fakes.bus("pio");
        sci = new Fakes.Irq();
        vm = new Fakes.Vm();
        now = new AtomicLong(5_000_000_000L);
        pm = new PmRegisters(sci, vm, now::get);
        pm.register(pio);
    }

    @Test
    void smiCommandTogglesSciEnable() {
        assertEquals(0, pio.read(PM1A_CNT, 2) & SCI_EN);
        pio.write(SMI_CMD, 1, ACPI_ENABLE);
        assertEquals(SCI_EN, pio.read(PM1A_CNT, 2) & SCI_EN);
        assertTrue(pm.acpiEnabled());
        pio.write(PM1A_CNT, 2, 0);   // the OS cannot clear SCI_EN itself
        assertEquals(SCI_EN, pio.read(PM1A_CNT, 2) & SCI_EN);
        pio.write(SMI_CMD, 1, 0x55);
        assertTrue(pm.acpiEnabled(), "other commands are ignored");
        pio.write(SMI_CMD, 1, ACPI_DISABLE);
        assertFalse(pm.acpiEnabled());
    }

    @Test
    void powerButtonNeedsAcpiThenRaisesSciWhileEnabledAndPending() {
        assertFalse(pm.pressPowerButton(), "ACPI not enabled: SIGTERM keeps its default action");
        assertEquals(0, pio.read(PM1A_EVT, 2));
        pio.write(SMI_CMD, 1, ACPI_ENABLE);
        assertTrue(pm.pressPowerButton());
        assertEquals(PWRBTN_STS, pio.read(PM1A_EVT, 2));
        assertFalse(sci.level, "PWRBTN_EN not set yet");
        pio.write(PM1A_EVT + 2, 2, PWRBTN_EN);
        assertTrue(sci.level);
        pio.write(PM1A_EVT, 2, PWRBTN_STS);   // write 1 to clear
        assertEquals(0, pio.read(PM1A_EVT, 2));
        assertFalse(sci.level);
    }

    @Test
    void statusWritesOnlyClearTheBitsWrittenAsOne() {
        pio.write(SMI_CMD, 1, ACPI_ENABLE);
        pm.pressPowerButton();
        pio.write(PM1A_EVT, 2, 0xFFFF & ~PWRBTN_STS);
        assertEquals(PWRBTN_STS, pio.read(PM1A_EVT, 2));
    }

    @Test
    void enableKeepsOnlyPowerButtonGlobalLockAndRtc() {
        pio.write(PM1A_EVT + 2, 2, 0xFFFF);
        assertEquals(PWRBTN_EN | GBL_EN | RTC_EN, pio.read(PM1A_EVT + 2, 2));
        assertEquals((long) (PWRBTN_EN | GBL_EN | RTC_EN) << 16, pio.read(PM1A_EVT, 4), "dword read: status low, enable high");
    }

    @Test
    void dwordWriteCoversStatusAndEnable() {
        pio.write(SMI_CMD, 1, ACPI_ENABLE);
        pm.pressPowerButton();
        pio.write(PM1A_EVT, 4, (long) PWRBTN_EN << 16 | PWRBTN_STS);
        assertEquals(0, pio.read(PM1A_EVT, 2));
        assertEquals(PWRBTN_EN, pio.read(PM1A_EVT + 2, 2));
        assertFalse(sci.level);
        pm.pressPowerButton();
        assertTrue(sci.level);
    }

    @Test
    void s5PowersOff() {
        pio.write(PM1A_CNT, 2, 5 << 10);   // SLP_TYP without SLP_EN: nothing yet
        assertNull(vm.first());
        assertEquals(5 << 10, pio.read(PM1A_CNT, 2));
        pio.write(PM1A_CNT, 2, 5 << 10 | SLP_EN);
        assertEquals(ExitStatus.POWEROFF, vm.first());
        assertEquals(0, pio.read(PM1A_CNT, 2) & SLP_EN, "SLP_EN is write-only");
    }

    @Test
    void s5ThroughTheHighByteAlone() {
        pio.write(PM1A_CNT + 1, 1, (5 << 10 | SLP_EN) >> 8);
        assertEquals(ExitStatus.POWEROFF, vm.first());
    }

    @Test
    void otherSleepStatesDoNotPowerOff() {
        pio.write(PM1A_CNT, 2, 1 << 10 | SLP_EN);
        pio.write(PM1A_CNT, 2, 3 << 10 | SLP_EN);
        assertNull(vm.first());
    }

    @Test
    void pmTimerCountsAt3579545HzIn24Bits() {
        assertEquals(0, pio.read(PM_TMR, 4));
        now.addAndGet(1_000_000_000L);
        assertEquals(3_579_545L, pio.read(PM_TMR, 4));
        now.addAndGet(1_000_000L);
        assertEquals((3_579_545L + 3_579) & 0xFFFFFF, pio.read(PM_TMR, 4));
        now.addAndGet(4_000_000_000L);   // 5.001 s: 17.9 M ticks wrap past 2^24
        assertEquals(17_901_304L & 0xFFFFFF, pio.read(PM_TMR, 4));
        now.addAndGet(3_000_000_000_000L);   // no overflow in the arithmetic after ~50 minutes
        long ticks = (3_005_001_000_000L / 1_000_000_000L) * PM_TIMER_HZ
                + (3_005_001_000_000L % 1_000_000_000L) * PM_TIMER_HZ / 1_000_000_000L;
        assertEquals(ticks & 0xFFFFFF, pio.read(PM_TMR, 4));
    }
}
