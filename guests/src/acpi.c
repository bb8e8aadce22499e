/* ACPI discovery: RSDP, XSDT/RSDT, FADT (PM registers), MADT (CPUs), MCFG (ECAM), \_S5. */
#include "guest.h"

struct acpi_state acpi;

static bool mapped(u64 addr, u64 len)
{
    return addr != 0 && addr + len >= addr && addr + len <= 0x100000000UL;
}

static u8 rd8(u64 a) { return *(const volatile u8 *)a; }
static u16 rd16(u64 a) { return *(const volatile u16 *)a; }
static u32 rd32(u64 a) { return *(const volatile u32 *)a; }
static u64 rd64(u64 a) { return rd32(a) | ((u64)rd32(a + 4) << 32); }

bool acpi_checksum_ok(u64 addr, u32 len)
{
    u8 sum = 0;
    for (u32 i = 0; i < len; i++)
        sum += rd8(addr + i);
    return sum == 0;
}

static bool rsdp_valid(u64 a)
{
    return mapped(a, 20) && memcmp((const void *)a, "RSD PTR ", 8) == 0 && acpi_checksum_ok(a, 20);
}

static u64 find_rsdp(void)
{
    if (boot.rsdp)
        return boot.rsdp;
    for (u64 a = 0xE0000; a < 0x100000; a += 16)
        if (rsdp_valid(a))
            return a;
    return 0;
}

bool gas_valid(const struct gas *g)
{
    return g->addr != 0 && (g->space == 0 || (g->space == 1 && g->addr < 0x10000));
}

const char *gas_space_name(u8 space)
{
    return space == 0 ? "mem" : space == 1 ? "io" : "other";
}

u64 gas_read(const struct gas *g, int bytes)
{
    if (g->space == 1) {
        u16 port = (u16)g->addr;
        return bytes == 1 ? inb(port) : bytes == 2 ? inw(port) : inl(port);
    }
    if (!mapped(g->addr, bytes))
        return ~0UL;
    return bytes == 1 ? mmio_read8(g->addr) : bytes == 2 ? *(volatile u16 *)g->addr
                                                         : mmio_read32(g->addr);
}

void gas_write(const struct gas *g, int bytes, u64 v)
{
    if (g->space == 1) {
        u16 port = (u16)g->addr;
        if (bytes == 1)
            outb(port, (u8)v);
        else if (bytes == 2)
            outw(port, (u16)v);
        else
            outl(port, (u32)v);
        return;
    }
    if (!mapped(g->addr, bytes))
        return;
    if (bytes == 1)
        mmio_write8(g->addr, (u8)v);
    else if (bytes == 2)
        *(volatile u16 *)g->addr = (u16)v;
    else
        mmio_write32(g->addr, (u32)v);
}

static struct gas read_gas(u64 a)
{
    return (struct gas){ rd8(a), rd8(a + 1), rd8(a + 2), rd8(a + 3), rd64(a + 4) };
}

/* The X_ block when the table is long enough and fills it, else the legacy I/O port. */
static struct gas fadt_block(u64 f, u32 len, u32 legacy_off, u32 x_off, u8 blk_len)
{
    if (len >= x_off + 12) {
        struct gas g = read_gas(f + x_off);
        if (g.addr) {
            if (!g.bit_width)
                g.bit_width = blk_len * 8;
            return g;
        }
    }
    u32 port = len >= legacy_off + 4 ? rd32(f + legacy_off) : 0;
    return (struct gas){ 1, (u8)(blk_len * 8), 0, 0, port };
}

static void parse_fadt(u64 f)
{
    struct fadt_info *x = &acpi.fadt;
    u32 len = rd32(f + 4);
    x->present = true;
    x->addr = f;
    x->length = len;
    x->flags = len >= 116 ? rd32(f + 112) : 0;
    x->hw_reduced = (x->flags >> 20) & 1;
    x->sci_int = len >= 48 ? rd16(f + 46) : 0;
    x->smi_cmd = len >= 52 ? rd32(f + 48) : 0;
    x->acpi_enable = len >= 53 ? rd8(f + 52) : 0;
    x->acpi_disable = len >= 54 ? rd8(f + 53) : 0;
    x->pm1_evt_len = len >= 89 ? rd8(f + 88) : 0;
    x->pm1_cnt_len = len >= 90 ? rd8(f + 89) : 0;
    x->pm_tmr_len = len >= 92 ? rd8(f + 91) : 0;
    x->pm1a_evt = fadt_block(f, len, 56, 148, x->pm1_evt_len);
    x->pm1b_evt = fadt_block(f, len, 60, 160, x->pm1_evt_len);
    x->pm1a_cnt = fadt_block(f, len, 64, 172, x->pm1_cnt_len);
    x->pm1b_cnt = fadt_block(f, len, 68, 184, x->pm1_cnt_len);
    x->pm_tmr = fadt_block(f, len, 76, 208, x->pm_tmr_len);
    if (len >= 129) {
        x->reset_reg = read_gas(f + 116);
        x->reset_value = rd8(f + 128);
    }
    if (len >= 256)
        x->sleep_control = read_gas(f + 244);
    x->dsdt = len >= 148 && rd64(f + 140) ? rd64(f + 140) : len >= 44 ? rd32(f + 40) : 0;
    x->facs = len >= 140 && rd64(f + 132) ? rd64(f + 132) : len >= 40 ? rd32(f + 36) : 0;
}

static void parse_madt(u64 m)
{
    struct madt_info *x = &acpi.madt;
    u32 len = rd32(m + 4);
    x->present = true;
    x->lapic_addr = len >= 40 ? rd32(m + 36) : 0;
    x->flags = len >= 44 ? rd32(m + 40) : 0;
    for (u32 off = 44; off + 2 <= len;) {
        u8 type = rd8(m + off), elen = rd8(m + off + 1);
        if (elen < 2 || off + elen > len)
            break;
        struct cpu_entry c = { 0, 0, 0, false };
        bool cpu = false;
        if (type == 0 && elen >= 8) {
            c = (struct cpu_entry){ rd8(m + off + 3), rd8(m + off + 2), rd32(m + off + 4), false };
            cpu = true;
        } else if (type == 9 && elen >= 16) {
            c = (struct cpu_entry){ rd32(m + off + 4), rd32(m + off + 12), rd32(m + off + 8), true };
            cpu = true;
        } else if (type == 5 && elen >= 12) {
            x->lapic_addr = rd64(m + off + 4);
        } else if (type == 2 && elen >= 10 && rd8(m + off + 2) == 0 && rd8(m + off + 3) == 0) {
            x->irq0_override = true;
            x->irq0_gsi = rd32(m + off + 4);
        }
        if (cpu) {
            if (x->ncpus < MAX_CPUS)
                x->cpus[x->ncpus++] = c;
            else
                x->cpus_dropped++;
        }
        off += elen;
    }
}

static void parse_mcfg(u64 t)
{
    if (rd32(t + 4) < 44 + 16)
        return;
    acpi.mcfg = (struct mcfg_info){
        true, rd64(t + 44), rd16(t + 52), rd8(t + 54), rd8(t + 55),
    };
}

/* Reads an AML integer constant at p: returns its encoded length, or -1 if it is none. */
static int aml_integer(u64 p, u64 end, u64 *out)
{
    if (p >= end)
        return -1;
    static const u8 sizes[] = { [0x0A] = 1, [0x0B] = 2, [0x0C] = 4, [0x0E] = 8 };
    u8 op = rd8(p);
    if (op == 0x00 || op == 0x01 || op == 0xFF) {          /* ZeroOp, OneOp, OnesOp */
        *out = op == 0xFF ? ~0UL : op;
        return 1;
    }
    if (op > 0x0E || !sizes[op] || p + sizes[op] >= end)
        return -1;
    u64 v = 0;
    for (int i = sizes[op]; i > 0; i--)
        v = (v << 8) | rd8(p + i);
    *out = v;
    return 1 + sizes[op];
}

static int aml_value(u64 p, u64 end, u8 *out)
{
    u64 v;
    int n = aml_integer(p, end, &v);
    *out = (u8)v;
    return n;
}

static bool name_at(u64 p, const char *name)
{
    return rd8(p) == (u8)name[0] && rd8(p + 1) == (u8)name[1] && rd8(p + 2) == (u8)name[2] &&
           rd8(p + 3) == (u8)name[3];
}

/* The PCIe host bridge's _CBA, as Name(_CBA, n) or Method(_CBA){Return(n)} (QEMU microvm, which
   has no MCFG). */
static void find_cba(u64 table)
{
    u64 end = table + rd32(table + 4);
    for (u64 p = table + 36; p + 6 < end; p++) {
        if (!name_at(p, "_CBA"))
            continue;
        u64 v;
        if ((rd8(p - 1) == 0x08 && aml_integer(p + 4, end, &v) > 0) ||
            (rd8(p + 5) == 0xA4 && aml_integer(p + 6, end, &v) > 0)) {
            acpi.cba = v;
            return;
        }
    }
}

/* Finds Name(_S5, Package(){SLP_TYPa, SLP_TYPb, ...}) by scanning the AML byte stream. */
static bool find_s5(u64 table)
{
    u32 len = rd32(table + 4);
    u64 end = table + len;
    for (u64 p = table + 36; p + 5 < end; p++) {
        if (!name_at(p, "_S5_"))
            continue;
        bool named = rd8(p - 1) == 0x08 || (rd8(p - 1) == '\\' && rd8(p - 2) == 0x08);
        if (!named || rd8(p + 4) != 0x12)
            continue;
        u64 q = p + 5;
        q += 1 + (rd8(q) >> 6);              /* PkgLength */
        q += 1;                              /* NumElements */
        u8 a, b = 0;
        int n = aml_value(q, end, &a);
        if (n < 0)
            continue;
        if (aml_value(q + n, end, &b) < 0)
            b = 0;
        acpi.s5 = (struct s5_info){ true, a, b };
        return true;
    }
    return false;
}

bool acpi_table_sane(u64 a)
{
    return mapped(a, 36) && rd32(a + 4) >= 36 && mapped(a, rd32(a + 4));
}

u64 acpi_find_table(const char *sig)
{
    for (u32 i = 0; i < acpi.ntables; i++)
        if (acpi_table_sane(acpi.tables[i]) && memcmp((const void *)acpi.tables[i], sig, 4) == 0)
            return acpi.tables[i];
    return 0;
}

const char *acpi_init(void)
{
    u64 r = find_rsdp();
    if (!r)
        return "no RSDP (start_info rsdp_paddr is 0 and none in 0xe0000-0xfffff)";
    if (!rsdp_valid(r))
        return "RSDP signature or checksum bad";
    acpi.rsdp = r;
    acpi.rsdp_rev = rd8(r + 15);
    u64 xsdt = acpi.rsdp_rev >= 2 ? rd64(r + 24) : 0;
    acpi.root_is_xsdt = xsdt != 0;
    acpi.root = xsdt ? xsdt : rd32(r + 16);
    if (!acpi_table_sane(acpi.root))
        return "root table (XSDT/RSDT) not reachable or shorter than a header";
    if (memcmp((const void *)acpi.root, acpi.root_is_xsdt ? "XSDT" : "RSDT", 4) != 0)
        return "root table signature is neither XSDT nor RSDT as the RSDP says";
    u32 esize = acpi.root_is_xsdt ? 8 : 4;
    u32 n = (rd32(acpi.root + 4) - 36) / esize;
    for (u32 i = 0; i < n && acpi.ntables < 64; i++) {
        u64 e = acpi.root + 36 + (u64)i * esize;
        acpi.tables[acpi.ntables++] = esize == 8 ? rd64(e) : rd32(e);
    }
    u64 f = acpi_find_table("FACP");
    if (f)
        parse_fadt(f);
    u64 m = acpi_find_table("APIC");
    if (m)
        parse_madt(m);
    u64 c = acpi_find_table("MCFG");
    if (c)
        parse_mcfg(c);
    if (acpi.fadt.present && acpi_table_sane(acpi.fadt.dsdt) && !acpi.mcfg.present)
        find_cba(acpi.fadt.dsdt);
    if (acpi.fadt.present && acpi_table_sane(acpi.fadt.dsdt) && !find_s5(acpi.fadt.dsdt))
        for (u32 i = 0; i < acpi.ntables; i++)
            if (acpi_table_sane(acpi.tables[i]) &&
                memcmp((const void *)acpi.tables[i], "SSDT", 4) == 0 && find_s5(acpi.tables[i]))
                break;
    return NULL;
}
