package org.jhyve.devices.lpc;

import org.jhyve.bus.Bus;
import org.jhyve.bus.IoDevice;
import org.jhyve.bus.IrqLine;
import org.jhyve.vm.ExitStatus;
import org.jhyve.vm.VmControl;

import java.util.HexFormat;
import java.util.function.LongSupplier;

/**
 * bhyve's ACPI fixed hardware: SMI_CMD (0xB2) switches ACPI mode on and off; PM1a event block at
 * 0x400 (status, write-1-to-clear, then enable); PM1a control at 0x404 (SCI_EN, and SLP_EN with
 * SLP_TYP 5 = S5 powers off, as bhyve's _S5 says); the 24-bit PM timer at 0x408 counting at
 * 3.579545 MHz. The SCI (ISA IRQ 9) is held while an enabled status bit is set. The power button
 * (SIGTERM in bhyve) only works once the guest has enabled ACPI.
 */
public final class PmRegisters {
    public static final int SMI_CMD = 0xB2, PM1A_EVT = 0x400, PM1A_CNT = 0x404, PM_TMR = 0x408;
    public static final int ACPI_ENABLE = 0xA0, ACPI_DISABLE = 0xA1;
    public static final int SCI_IRQ = 9;
    public static final int TMR_STS = 0x0001, BM_STS = 0x0010, GBL_STS = 0x0020, PWRBTN_STS = 0x0100,
            SLPBTN_STS = 0x0200, RTC_STS = 0x0400, WAK_STS = 0x8000;
    public static final int TMR_EN = 0x0001, GBL_EN = 0x0020, PWRBTN_EN = 0x0100, SLPBTN_EN = 0x0200, RTC_EN = 0x0400;
    public static final int SCI_EN = 0x0001, SLP_TYP = 0x1C00, SLP_EN = 0x2000;
    public static final long PM_TIMER_HZ = 3_579_545L;
    private static final int STATUS_W1C = WAK_STS | RTC_STS | SLPBTN_STS | PWRBTN_STS | BM_STS;
    /**
     * The enable bits that stick: the power button; GBL_EN, which ACPICA insists on although the
     * lock is unused; RTC_EN, which Linux's rtc-cmos sets and reads back ("Could not enable
     * RealTimeClock event" otherwise) although this RTC raises no alarm through the SCI.
     */
    private static final int ENABLE_WRITABLE = PWRBTN_EN | GBL_EN | RTC_EN;
    private static final int CONTROL_ALWAYS_ZERO = 0xC003;
    private static final int SCI_SOURCES = TMR_STS | GBL_STS | PWRBTN_STS | SLPBTN_STS | RTC_STS;
    private static final int S5 = 5;

    private final IrqLine sci;
    private final VmControl vm;
    private final LongSupplier nanoTime;
    private final long timerStart;
    private int status, enable, control;
    private boolean sciLevel;

    public PmRegisters(IrqLine sci, VmControl vm) { this(sci, vm, System::nanoTime); }

    /** With an explicit clock (nanoseconds), for tests. */
    public PmRegisters(IrqLine sci, VmControl vm, LongSupplier nanoTime) {
        this.sci = sci;
        this.vm = vm;
        this.nanoTime = nanoTime;
        this.timerStart = nanoTime.getAsLong();
    }

    /** Puts the four register blocks on the port-I/O bus. */
    public void register(Bus pio) {
        pio.register(SMI_CMD, 1, smiCmd, "acpi smi_cmd");
        pio.register(PM1A_EVT, 4, eventBlock, "acpi pm1a_evt");
        pio.register(PM1A_CNT, 2, controlBlock, "acpi pm1a_cnt");
        pio.register(PM_TMR, 4, timer, "acpi pm_tmr");
    }

    /**
     * The power button: sets PWRBTN_STS and raises the SCI. Returns false, doing nothing, while
     * the guest has not enabled ACPI (bhyve's SIGTERM then keeps its default action).
     */
    public synchronized boolean pressPowerButton() {
        if ((control & SCI_EN) == 0) return false;
        status |= PWRBTN_STS;
        updateSci();
        return true;
    }

    public synchronized boolean acpiEnabled() { return (control & SCI_EN) != 0; }

    /** The 24-bit PM timer value now. */
    public int timerValue() {
        long ns = nanoTime.getAsLong() - timerStart;
        long ticks = (ns / 1_000_000_000L) * PM_TIMER_HZ + (ns % 1_000_000_000L) * PM_TIMER_HZ / 1_000_000_000L;
        return (int) (ticks & 0xFFFFFF);
    }

    private void updateSci() {
        boolean level = (status & enable & SCI_SOURCES) != 0;
        if (level != sciLevel) {
            sciLevel = level;
            sci.set(level);
        }
    }

    private static int byteMask(long offset, int size) {
        int m = 0;
        for (int i = 0; i < size; i++) m |= 0xFF << (8 * (offset + i));
        return m;
    }

    private final IoDevice smiCmd = new IoDevice() {
        @Override public long read(long offset, int size) { return 0; }

        @Override
        public void write(long offset, int size, long value) {
            synchronized (PmRegisters.this) {
                switch ((int) value & 0xFF) {
                    case ACPI_ENABLE -> control |= SCI_EN;
                    case ACPI_DISABLE -> control &= ~SCI_EN;
                    default -> { }
                }
            }
        }
    };

    /** Status in bytes 0-1, enable in bytes 2-3; any access width is taken byte by byte. */
    private final IoDevice eventBlock = new IoDevice() {
        @Override
        public long read(long offset, int size) {
            synchronized (PmRegisters.this) {
                long both = (status & 0xFFFFL) | (enable & 0xFFFFL) << 16;
                return (both >>> (8 * offset)) & (size == 8 ? -1L : (1L << 8 * size) - 1);
            }
        }

        @Override
        public void write(long offset, int size, long value) {
            synchronized (PmRegisters.this) {
                int m = byteMask(offset, Math.min(size, 4 - (int) offset));
                int v = (int) (value << (8 * offset));
                status &= ~(v & m & STATUS_W1C);
                int em = m >>> 16;
                enable = ((enable & ~em) | ((v >>> 16) & em)) & ENABLE_WRITABLE;
                updateSci();
            }
        }
    };

    private final IoDevice controlBlock = new IoDevice() {
        @Override
        public long read(long offset, int size) {
            synchronized (PmRegisters.this) {
                return (control >>> (8 * offset)) & ((1L << 8 * Math.min(size, 2)) - 1);
            }
        }

        @Override
        public void write(long offset, int size, long value) {
            boolean powerOff;
            int written;
            synchronized (PmRegisters.this) {
                int m = byteMask(offset, Math.min(size, 2 - (int) offset));
                written = (control & ~m) | ((int) (value << (8 * offset)) & m);
                // SCI_EN belongs to the firmware side (SMI_CMD); SLP_EN is write-only.
                control = (control & SCI_EN) | (written & ~(SLP_EN | CONTROL_ALWAYS_ZERO | SCI_EN));
                powerOff = (written & SLP_EN) != 0 && (control & SLP_TYP) >> 10 == S5;
            }
            // No String.format: its first use costs ~0.5 ms of interpreted set-up between the
            // guest's power-off and the process's exit.
            if (powerOff) {
                vm.requestExit(ExitStatus.POWEROFF, "ACPI S5 (PM1 control write 0x"
                        + HexFormat.of().toHexDigits((short) written) + ")");
            }
        }
    };

    private final IoDevice timer = new IoDevice() {
        @Override
        public long read(long offset, int size) {
            return ((timerValue() & 0xFFFFFFFFL) >>> (8 * offset)) & (size >= 4 ? 0xFFFFFFFFL : (1L << 8 * size) - 1);
        }

        @Override public void write(long offset, int size, long value) { }
    };
}
