/* The `acpi` and `demo` views of the tables: one line per table, and in detail the FADT's PM
   registers and every MADT entry. Every defect found is printed as an "acpi: problem" line. */
#include "guest.h"

static int problems;
static int tables_seen;

static void problem(const char *what, u64 addr)
{
    say("acpi: problem %s at 0x%lx", what, addr);
    problems++;
}

/* OEM ids are space-padded; trim them and keep the line splittable on spaces. */
static void clean_id(char *out, const char *in, int n)
{
    int end = n;
    while (end > 0 && (in[end - 1] == ' ' || in[end - 1] == 0))
        end--;
    for (int i = 0; i < end; i++)
        out[i] = in[i] > ' ' && in[i] < 0x7F ? in[i] : '_';
    out[end] = 0;
    if (end == 0)
        out[0] = '-', out[1] = 0;
}

static void table_line(u64 t)
{
    if (!acpi_table_sane(t)) {
        problem("table unreachable or shorter than its header", t);
        return;
    }
    const struct acpi_header *h = (const void *)t;
    char sig[5], oem[7];
    clean_id(sig, h->sig, 4);
    clean_id(oem, h->oem_id, 6);
    bool ok = acpi_checksum_ok(t, h->length);
    tables_seen++;
    say("acpi: table sig=%s addr=0x%lx len=%u rev=%u oem=%s checksum=%s", sig, t, h->length,
        h->revision, oem, ok ? "OK" : "BAD");
    if (!ok)
        problem("checksum", t);
}

static void facs_line(u64 t)
{
    if (!t)
        return;
    if (t + 64 > 0x100000000UL || memcmp((const void *)t, "FACS", 4) != 0) {
        problem("FACS signature", t);
        return;
    }
    u32 len = *(const u32 *)(t + 4);
    say("acpi: table sig=FACS addr=0x%lx len=%u checksum=none", t, len);
    tables_seen++;
    if (len < 64)
        problem("FACS length below 64", t);
    if (t & 63)
        problem("FACS not 64-byte aligned", t);
}

static void gas_text(char *buf, int n, const struct gas *g)
{
    if (!gas_valid(g))
        format(buf, n, "none");
    else
        format(buf, n, "%s:0x%lx", gas_space_name(g->space), g->addr);
}

static void fadt_detail(void)
{
    const struct fadt_info *f = &acpi.fadt;
    if (!f->present) {
        problem("no FADT (FACP) in the root table", acpi.root);
        return;
    }
    char a[40], b[40], c[40], d[40], e[40];
    say("fadt: len=%u flags=0x%x hw_reduced=%u sci_int=%u smi_cmd=0x%x acpi_enable=0x%x"
        " acpi_disable=0x%x", f->length, f->flags, f->hw_reduced, f->sci_int, f->smi_cmd,
        f->acpi_enable, f->acpi_disable);
    gas_text(a, sizeof a, &f->pm1a_evt);
    gas_text(b, sizeof b, &f->pm1a_cnt);
    gas_text(c, sizeof c, &f->pm_tmr);
    gas_text(d, sizeof d, &f->reset_reg);
    gas_text(e, sizeof e, &f->sleep_control);
    say("fadt: pm1a_evt=%s pm1_evt_len=%u pm1a_cnt=%s pm1_cnt_len=%u pm_tmr=%s pm_tmr_len=%u"
        " reset_reg=%s reset_value=0x%x sleep_control=%s", a, f->pm1_evt_len, b, f->pm1_cnt_len,
        c, f->pm_tmr_len, d, f->reset_value, e);
    if (!f->hw_reduced && (!gas_valid(&f->pm1a_evt) || !gas_valid(&f->pm1a_cnt)))
        problem("FADT without PM1a event/control blocks and not hardware-reduced", f->addr);
    if (f->hw_reduced && !gas_valid(&f->sleep_control))
        problem("hardware-reduced FADT without SLEEP_CONTROL_REG", f->addr);
}

static void madt_detail(void)
{
    u64 m = acpi_find_table("APIC");
    if (!m) {
        problem("no MADT (APIC) in the root table", acpi.root);
        return;
    }
    const u8 *t = (const u8 *)m;
    u32 len = *(const u32 *)(t + 4);
    if (len < 44) {
        problem("MADT shorter than 44 bytes", m);
        return;
    }
    say("madt: lapic_addr=0x%x flags=0x%x", *(const u32 *)(t + 36), *(const u32 *)(t + 40));
    for (u32 off = 44; off < len;) {
        u8 type = t[off], elen = off + 1 < len ? t[off + 1] : 0;
        if (elen < 2 || off + elen > len) {
            problem("MADT entry length runs past the table", m + off);
            return;
        }
        const u8 *e = t + off;
        if (type == 0 && elen >= 8)
            say("madt: lapic uid=%u apic=%u flags=0x%x", e[2], e[3], *(const u32 *)(e + 4));
        else if (type == 1 && elen >= 12)
            say("madt: ioapic id=%u addr=0x%x gsi_base=%u", e[2], *(const u32 *)(e + 4),
                *(const u32 *)(e + 8));
        else if (type == 2 && elen >= 10)
            say("madt: iso bus=%u irq=%u gsi=%u flags=0x%04x", e[2], e[3],
                *(const u32 *)(e + 4), *(const u16 *)(e + 8));
        else if (type == 3 && elen >= 8)
            say("madt: nmi-source flags=0x%04x gsi=%u", *(const u16 *)(e + 2),
                *(const u32 *)(e + 4));
        else if (type == 4 && elen >= 6)
            say("madt: lapic-nmi uid=%u flags=0x%04x lint=%u", e[2], *(const u16 *)(e + 3), e[5]);
        else if (type == 5 && elen >= 12)
            say("madt: lapic-override addr=0x%lx", *(const u64 *)(e + 4));
        else if (type == 9 && elen >= 16)
            say("madt: x2apic uid=%u apic=%u flags=0x%x", *(const u32 *)(e + 12),
                *(const u32 *)(e + 4), *(const u32 *)(e + 8));
        else if (type == 10 && elen >= 12)
            say("madt: x2apic-nmi uid=%u flags=0x%04x lint=%u", *(const u32 *)(e + 4),
                *(const u16 *)(e + 2), e[8]);
        else if (type <= 10)
            problem("MADT entry shorter than its type requires", m + off);
        else
            say("madt: other type=%u len=%u", type, elen);
        off += elen;
    }
}

int acpi_tables_seen(void)
{
    return tables_seen;
}

int acpi_report(bool detail)
{
    problems = 0;
    tables_seen = 0;
    u64 r = acpi.rsdp;
    const u8 *p = (const u8 *)r;
    char oem[7];
    clean_id(oem, (const char *)p + 9, 6);
    bool ext = acpi.rsdp_rev >= 2 ? acpi_checksum_ok(r, *(const u32 *)(p + 20)) : true;
    say("acpi: rsdp addr=0x%lx rev=%u oem=%s checksum=OK%s", r, acpi.rsdp_rev, oem,
        acpi.rsdp_rev >= 2 ? (ext ? " ext_checksum=OK" : " ext_checksum=BAD") : "");
    if (!ext)
        problem("RSDP extended checksum", r);
    table_line(acpi.root);
    u32 esize = acpi.root_is_xsdt ? 8 : 4;
    if ((*(const u32 *)(acpi.root + 4) - 36) % esize)
        problem("root table length is not a whole number of entries", acpi.root);
    for (u32 i = 0; i < acpi.ntables; i++)
        table_line(acpi.tables[i]);
    if (acpi.fadt.present) {
        table_line(acpi.fadt.dsdt);
        facs_line(acpi.fadt.facs);
    }
    if (detail) {
        fadt_detail();
        madt_detail();
        if (acpi.mcfg.present)
            say("mcfg: base=0x%lx segment=%u buses=%u-%u", acpi.mcfg.base, acpi.mcfg.segment,
                acpi.mcfg.bus_start, acpi.mcfg.bus_end);
        if (acpi.s5.present)
            say("s5: slp_typa=%u slp_typb=%u", acpi.s5.slp_typa, acpi.s5.slp_typb);
        else
            problem("no \\_S5 package in the DSDT or SSDTs", acpi.fadt.dsdt);
    }
    return problems;
}
