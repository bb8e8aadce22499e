package org.jhyve.firmware.acpi;

import org.jhyve.firmware.Layout;
import org.jhyve.firmware.LeBuffer;

/**
 * Fixed ACPI Description Table, revision 6 (ACPI 6.3 layout, 276 bytes), for a full (not
 * hardware-reduced) ACPI platform: the PM1a event/control blocks and PM timer of jhyve's PM
 * device, SCI on IRQ 9, SMI_CMD to switch to ACPI mode, and the 0xCF9 reset register.
 */
public final class Fadt {
    public static final int SIZE = 276;
    public static final int REVISION = 6;
    public static final int MINOR_REVISION = 3;

    /** IAPC_BOOT_ARCH: LEGACY_DEVICES (LPC/ISA devices exist) and 8042 (a keyboard controller). */
    public static final int BOOT_ARCH = 0x0003;

    static final int FLAG_WBINVD = 1;
    static final int FLAG_PROC_C1 = 1 << 2;
    static final int FLAG_SLP_BUTTON = 1 << 5; // no fixed-feature sleep button
    static final int FLAG_FIX_RTC = 1 << 6;    // no RTC wake status in the fixed registers
    static final int FLAG_RESET_REG_SUP = 1 << 10;
    /**
     * The power button is a fixed feature (PWR_BUTTON clear): PWRBTN_STS in PM1 status, which
     * SIGTERM sets. The timer is 24 bits (TMR_VAL_EXT clear).
     */
    public static final int FLAGS = FLAG_WBINVD | FLAG_PROC_C1 | FLAG_SLP_BUTTON | FLAG_FIX_RTC | FLAG_RESET_REG_SUP;

    /** CMOS index of the century byte the RTC keeps (bhyve's RTC has it at 0x32). */
    public static final int CENTURY = 0x32;

    private Fadt() {}

    /** Both the 32-bit and the 64-bit FACS and DSDT fields hold the same addresses, as in bhyve. */
    public static byte[] build(long facs, long dsdt) {
        if (facs > 0xFFFFFFFFL || dsdt > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("FACS 0x" + Long.toHexString(facs) + " / DSDT 0x" + Long.toHexString(dsdt)
                    + " must lie below 4 GiB");
        }
        LeBuffer b = AcpiHeader.begin("FACP", REVISION);
        b.u32(facs).u32(dsdt)
                .u8(0)                 // reserved (ACPI 1.0 INT_MODEL)
                .u8(0)                 // preferred PM profile: unspecified
                .u16(Layout.SCI_IRQ)
                .u32(Layout.SMI_CMD).u8(Layout.ACPI_ENABLE).u8(Layout.ACPI_DISABLE)
                .u8(0)                 // S4BIOS_REQ
                .u8(0)                 // PSTATE_CNT
                .u32(Layout.PM1A_EVT).u32(0)
                .u32(Layout.PM1A_CNT).u32(0)
                .u32(0)                // PM2_CNT_BLK
                .u32(Layout.PM_TMR)
                .u32(0).u32(0)         // GPE0/GPE1 blocks: none
                .u8(4)                 // PM1_EVT_LEN
                .u8(2)                 // PM1_CNT_LEN
                .u8(0)                 // PM2_CNT_LEN
                .u8(4)                 // PM_TMR_LEN
                .u8(0).u8(0).u8(0)     // GPE0/GPE1 lengths, GPE1 base
                .u8(0)                 // CST_CNT
                .u16(101)              // P_LVL2_LAT > 100: C2 not supported
                .u16(1001)             // P_LVL3_LAT > 1000: C3 not supported
                .u16(0).u16(0)         // flush size and stride
                .u8(0).u8(0)           // duty offset and width
                .u8(0).u8(0)           // day and month alarm: not supported
                .u8(CENTURY)
                .u16(BOOT_ARCH)
                .u8(0)                 // reserved
                .u32(FLAGS);
        Gas.io(b, 8, Gas.ACCESS_BYTE, Layout.RESET_PORT);
        b.u8(Layout.RESET_VALUE)
                .u16(0)                // ARM boot architecture
                .u8(MINOR_REVISION)
                .u64(facs).u64(dsdt);
        Gas.io(b, 32, Gas.ACCESS_WORD, Layout.PM1A_EVT);
        Gas.none(b);
        Gas.io(b, 16, Gas.ACCESS_WORD, Layout.PM1A_CNT);
        Gas.none(b);
        Gas.none(b);                   // X_PM2_CNT_BLK
        Gas.io(b, 32, Gas.ACCESS_DWORD, Layout.PM_TMR);
        Gas.none(b);                   // X_GPE0_BLK
        Gas.none(b);                   // X_GPE1_BLK
        Gas.none(b);                   // sleep control register (hardware-reduced only)
        Gas.none(b);                   // sleep status register
        b.u64(0);                      // hypervisor vendor identity
        byte[] t = AcpiHeader.finish(b);
        if (t.length != SIZE) throw new IllegalStateException("FADT came out " + t.length + " bytes, not " + SIZE);
        return t;
    }
}
