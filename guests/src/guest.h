/* Shared declarations for the jhyve test guest: types, port/MMIO access, output, services. */
#ifndef GUEST_H
#define GUEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long i64;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define MAX_CPUS 64
#define TRAMPOLINE_BASE 0x8000

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline u32 mmio_read32(u64 addr) { return *(volatile u32 *)addr; }
static inline void mmio_write32(u64 addr, u32 v) { *(volatile u32 *)addr = v; }
static inline u8 mmio_read8(u64 addr) { return *(volatile u8 *)addr; }
static inline void mmio_write8(u64 addr, u8 v) { *(volatile u8 *)addr = v; }

static inline u64 rdtsc(void)
{
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}
static inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}
static inline void cpuid(u32 leaf, u32 sub, u32 r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }
static inline void mb(void) { __asm__ volatile("mfence" ::: "memory"); }
static inline u32 cpl(void)
{
    u16 cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return cs & 3;
}

/* user.c: ring 3. user_run() runs fn(arg) at CPL 3 (IOPL 3, interrupts off) and returns its
   result; user code calls syscall1() for what needs CPL 0. */
enum { SYS_EXIT = 0, SYS_HALT = 1, SYS_NOP = 2, SYS_CPL = 3, SYS_PUTS = 4 };
u64 user_run(u64 (*fn)(u64), u64 arg);
u64 syscall1(u64 nr, u64 a1);
bool syscall_from_gate(u64 rip, u64 nr, u64 a1, u64 *ret);
__attribute__((noreturn)) void user_exit(u64 value);

/* HLT is privileged: from ring 3 (a failure inside a user-mode test) ask the kernel to halt. */
__attribute__((noreturn)) static inline void halt_forever(void)
{
    if (cpl())
        syscall1(SYS_HALT, 0);
    for (;;)
        __asm__ volatile("cli; hlt" ::: "memory");
}

/* lib.c */
void *memcpy(void *d, const void *s, u64 n);
void *memset(void *d, int c, u64 n);
int memcmp(const void *a, const void *b, u64 n);
u64 strlen(const char *s);
bool streq(const char *a, const char *b);

/* serial.c: COM1, polled. say() prints one line; the newline is added. */
void serial_init(void);
void serial_putc(char c);
void serial_puts(const char *s);
bool serial_getc(char *c);
void serial_wait_input(void);
/* ISA interrupts through the I/O APIC (irq.c). */
u32 irq_route_isa(u32 irq, int vector, void (*handler)(void));
void pit_ticks(void);
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vformat(char *buf, int size, const char *fmt, __builtin_va_list ap);
int format(char *buf, int size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* time.c */
void time_init(void);
u64 time_now_us(void);
void udelay(u64 us);
/* The TSC's rate and how it was found, measured on first use (time.c says when that must be). */
u64 tsc_khz_get(void);
const char *tsc_source_get(void);
#define tsc_khz tsc_khz_get()
#define tsc_source tsc_source_get()

/* boot.c: what the start_info carried, copied out before anything can overwrite it. */
struct memmap_entry { u64 addr, size; u32 type, reserved; };
#define MAX_MEMMAP 128
struct boot_info {
    u64 start_info;
    u32 version;
    bool magic_ok;
    u64 rsdp;
    char cmdline[1024];
    struct memmap_entry memmap[MAX_MEMMAP];
    u32 memmap_entries;
    bool memmap_truncated;
};
extern struct boot_info boot;
void boot_capture(u64 start_info_paddr);
bool boot_is_ram(u64 addr, u64 len);
const char *memmap_type_name(u32 type);

/* idt.c */
void idt_init(void);
void idt_load_current(void);
void idt_set_irq(int vector, void (*handler)(void));
extern u64 pio_trapped;          /* user-mode port accesses the #GP handler performed */
__attribute__((noreturn)) void triple_fault(void);

/* acpi.c */
struct gas { u8 space, bit_width, bit_offset, access_size; u64 addr; };
struct acpi_header {
    char sig[4];
    u32 length;
    u8 revision, checksum;
    char oem_id[6], oem_table_id[8];
    u32 oem_revision, creator_id, creator_revision;
} __attribute__((packed));
struct fadt_info {
    bool present;
    u64 addr;
    u32 length;
    u32 flags;
    bool hw_reduced;
    u16 sci_int;
    u32 smi_cmd;
    u8 acpi_enable, acpi_disable;
    struct gas pm1a_evt, pm1b_evt, pm1a_cnt, pm1b_cnt, pm_tmr, reset_reg, sleep_control;
    u8 pm1_evt_len, pm1_cnt_len, pm_tmr_len, reset_value;
    u64 dsdt, facs;
};
struct cpu_entry { u32 apic_id, uid, flags; bool x2apic; };
struct madt_info {
    bool present;
    u64 lapic_addr;
    u32 flags;
    struct cpu_entry cpus[MAX_CPUS];
    u32 ncpus;
    u32 cpus_dropped;
    bool irq0_override;        /* an interrupt source override for ISA IRQ 0 ... */
    u32 irq0_gsi;              /* ... and the GSI it names */
};
struct mcfg_info { bool present; u64 base; u16 segment; u8 bus_start, bus_end; };
struct s5_info { bool present; u8 slp_typa, slp_typb; };
struct acpi_state {
    u64 rsdp;
    u8 rsdp_rev;
    u64 root;          /* XSDT or RSDT */
    bool root_is_xsdt;
    u64 tables[64];
    u32 ntables;
    struct fadt_info fadt;
    struct madt_info madt;
    struct mcfg_info mcfg;
    struct s5_info s5;
    u64 cba;           /* DSDT _CBA of the PCIe host bridge, when there is no MCFG */
};
extern struct acpi_state acpi;
const char *acpi_init(void);  /* returns NULL or why ACPI is unusable */
bool acpi_checksum_ok(u64 addr, u32 len);
u64 acpi_find_table(const char *sig);
bool acpi_table_sane(u64 addr);
int acpi_report(bool detail);
int acpi_tables_seen(void);  /* table lines the last report printed */   /* prints the tables; returns the number of problems */
u64 gas_read(const struct gas *g, int bytes);
void gas_write(const struct gas *g, int bytes, u64 v);
bool gas_valid(const struct gas *g);
const char *gas_space_name(u8 space);

/* pci.c */
void pci_list(bool full);
int pci_scan_count(void);
bool pci_access_init(void);                      /* false: no way to reach configuration space */
u64 pci_ecam_base(void);                         /* bus 0 ECAM base, 0 when using ports */
u32 pci_cfg_read(int dev, int fn, int off);
void pci_cfg_write(int dev, int fn, int off, u32 v);

/* pcidev.c: finding a function and making its BARs usable (assigning unassigned ones). */
struct pci_fn { int dev, fn; u16 vendor, device; u64 bar[6], bar_size[6]; bool bar_io[6]; };
bool pci_find(u16 vendor, const u16 *devices, int ndevices, int index, struct pci_fn *out);
void pci_enable(struct pci_fn *f);               /* sizes, assigns, enables memory/io/bus master */
u8 pci_cap_next(const struct pci_fn *f, u8 from, u8 id);   /* 0 when there is none */

/* mem.c: DMA memory (identity-mapped RAM above the image), never freed. */
void *dma_alloc(u64 size, u64 align);

/* opts.c: key=value words of the command line. */
bool opts_set(const char *word);                 /* true if the word is a known key=value */
const char *opt_str(const char *key, const char *dflt);
u64 opt_u64(const char *key, u64 dflt);          /* decimal, or hex with 0x */
bool opt_ip(const char *key, u32 dflt, u32 *out);

/* Fixed-point helpers for rates: value * 10 / x, printed as N.D. */
u64 rate_per_sec(u64 count, u64 tsc_ticks);
u64 tsc_to_us(u64 ticks);

/* smp.c */
u32 smp_start_aps(bool verbose);  /* returns the number of CPUs up, BSP included */
u32 lapic_id(void);
u32 madt_enabled_cpus(void);
void ap_main(void);

/* power.c */
extern bool qemuexit_fallback;
extern u16 qemuexit_port;
__attribute__((noreturn)) void power_off(void);
__attribute__((noreturn)) void reset_cf9(void);
__attribute__((noreturn)) void reset_kbd(void);
void acpi_power_button_wait(void);

#endif
