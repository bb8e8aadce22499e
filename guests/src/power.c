/* Leaving the VM: ACPI S5, reset through 0xCF9 or the keyboard controller, the power button. */
#include "guest.h"

#define SLP_EN (1u << 13)
#define SLP_TYP_SHIFT 10
#define SCI_EN 1u
#define PWRBTN (1u << 8)
#define HWR_SLP_EN (1u << 5)

bool qemuexit_fallback;
u16 qemuexit_port = 0x501;

/* How long a power-off or reset request may take before we call it ignored. */
static void linger(void)
{
    udelay(200000);
}

static bool acpi_s5(void)
{
    const struct fadt_info *f = &acpi.fadt;
    if (!f->present) {
        say("FAIL: poweroff: no FADT");
        return false;
    }
    if (!acpi.s5.present) {
        say("FAIL: poweroff: no \\_S5 package in the DSDT or SSDTs");
        return false;
    }
    if (gas_valid(&f->pm1a_cnt) && !f->hw_reduced) {
        say("poweroff: method=pm1a_cnt space=%s addr=0x%lx slp_typ=%u",
            gas_space_name(f->pm1a_cnt.space), f->pm1a_cnt.addr, acpi.s5.slp_typa);
        u16 v = (u16)gas_read(&f->pm1a_cnt, 2) & ~(7u << SLP_TYP_SHIFT) & ~SLP_EN;
        if (gas_valid(&f->pm1b_cnt)) {
            u16 b = (u16)gas_read(&f->pm1b_cnt, 2) & ~(7u << SLP_TYP_SHIFT) & ~SLP_EN;
            gas_write(&f->pm1b_cnt, 2, b | ((acpi.s5.slp_typb & 7u) << SLP_TYP_SHIFT) | SLP_EN);
        }
        gas_write(&f->pm1a_cnt, 2, v | ((acpi.s5.slp_typa & 7u) << SLP_TYP_SHIFT) | SLP_EN);
        return true;
    }
    if (gas_valid(&f->sleep_control)) {
        say("poweroff: method=sleep_control space=%s addr=0x%lx slp_typ=%u",
            gas_space_name(f->sleep_control.space), f->sleep_control.addr, acpi.s5.slp_typa);
        gas_write(&f->sleep_control, 1, ((acpi.s5.slp_typa & 7u) << 2) | HWR_SLP_EN);
        return true;
    }
    say("FAIL: poweroff: FADT has neither PM1a_CNT nor SLEEP_CONTROL_REG");
    return false;
}

static int powering_off;

void power_off(void)
{
    if (__atomic_fetch_add(&powering_off, 1, __ATOMIC_SEQ_CST) == 0 && acpi_s5()) {
        linger();
        say("FAIL: poweroff: still running 200 ms after the S5 write");
    }
    if (qemuexit_fallback) {
        say("poweroff: method=isa-debug-exit port=0x%x", qemuexit_port);
        outb(qemuexit_port, 0);
        linger();
        say("FAIL: poweroff: still running after writing 0 to isa-debug-exit port 0x%x",
            qemuexit_port);
    }
    halt_forever();
}

void reset_cf9(void)
{
    say("reset: method=cf9 port=0xcf9 value=0x6");
    outb(0xCF9, 6);
    linger();
    fail("reset: still running 200 ms after writing 6 to port 0xcf9");
}

void reset_kbd(void)
{
    /* Wait up to 50 ms for the i8042 input buffer to drain; without a controller the port
       reads all-ones and we write anyway. */
    u64 until = time_now_us() + 50000;
    while ((inb(0x64) & 0x02) && time_now_us() < until)
        cpu_relax();
    say("reset: method=kbd port=0x64 value=0xfe");
    outb(0x64, 0xFE);
    linger();
    fail("reset: still running 200 ms after writing 0xfe to port 0x64");
}

/* Enables ACPI mode, arms the power button and waits until the VMM presses it (SIGTERM). */
void acpi_power_button_wait(void)
{
    const struct fadt_info *f = &acpi.fadt;
    if (!f->present)
        fail("sigterm: no FADT");
    if (f->hw_reduced || !gas_valid(&f->pm1a_evt) || !gas_valid(&f->pm1a_cnt) || f->pm1_evt_len < 4)
        fail("sigterm: FADT has no fixed-hardware PM1a event/control blocks (hw_reduced=%u)",
             f->hw_reduced);
    if (!(gas_read(&f->pm1a_cnt, 2) & SCI_EN)) {
        if (!f->smi_cmd || !f->acpi_enable)
            fail("sigterm: SCI_EN clear and FADT gives no SMI_CMD/ACPI_ENABLE to set it");
        say("sigterm: acpi-enable smi_cmd=0x%x value=0x%x", f->smi_cmd, f->acpi_enable);
        outb((u16)f->smi_cmd, f->acpi_enable);
        u64 until = time_now_us() + 1000000;
        while (!(gas_read(&f->pm1a_cnt, 2) & SCI_EN))
            if (time_now_us() > until)
                fail("sigterm: SCI_EN still clear 1 s after writing 0x%x to SMI_CMD 0x%x",
                     f->acpi_enable, f->smi_cmd);
    }
    struct gas sts = f->pm1a_evt, en = f->pm1a_evt;
    en.addr += f->pm1_evt_len / 2;
    gas_write(&sts, 2, PWRBTN);
    gas_write(&en, 2, gas_read(&en, 2) | PWRBTN);
    if (!(gas_read(&en, 2) & PWRBTN))
        fail("sigterm: PWRBTN_EN did not stick in PM1_EN at 0x%lx", en.addr);
    say("sigterm: ready");
    while (!(gas_read(&sts, 2) & PWRBTN))
        cpu_relax();
    say("sigterm: power button");
    gas_write(&sts, 2, PWRBTN);
    power_off();
}
