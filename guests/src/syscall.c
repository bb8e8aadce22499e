/*
 * Mode "syscall": SYSCALL from user mode into a kernel entry that, as in Linux, is mapped only
 * for the supervisor at the top of the address space; the entry returns with SYSRET, or with
 * IRETQ when the saved RFLAGS has RF. Some hosts' KVM (the PVM module of this project's
 * machines) do not finish such a SYSCALL themselves; jhyve then completes it (docs/emulation.md).
 * Ends with a page fault from user mode, which must reach the #PF handler as one.
 * Options: count=N SYSCALLs (default 1000); clac=1 enters the #PF handler through CLAC, as
 * Linux's does (jhyve performs that instruction itself). Prints "syscall: ok calls=N".
 */
#include "guest.h"

#define KERNEL_ALIAS 0xffffffff80000000UL
#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_FMASK 0xC0000084

extern u64 sc_enter(u64 rip, u64 cs, u64 rsp, u64 ss);
extern void sc_user(void), sc_entry(void), sc_page_fault(void), sc_page_fault_clac(void);
extern u64 sc_count, sc_calls, sc_entry_cs, sc_user_done, sc_pf_rip, sc_pf_cs, sc_pf_cr2;
extern u64 gdt[], pml4[];

struct gate { u16 off0, sel; u8 ist, type; u16 off1; u32 off2, zero; } __attribute__((packed));
static struct gate idt[32] __attribute__((aligned(16)));
static u64 linux_gdt[10] __attribute__((aligned(16)));
static u64 alias_pdpt[512] __attribute__((aligned(4096)));
static u64 alias_pd[512] __attribute__((aligned(4096)));
static u8 user_stack[16384] __attribute__((aligned(16)));
extern const u64 exc_stubs[32];

static u64 nop(u64 a) { return a; }

void mode_syscall(void)
{
    sc_count = opt_u64("count", 1000);
    u64 clac = opt_u64("clac", 0);
    user_run(nop, 0);              /* sets up the TSS (RSP0) */

    /* Linux's selectors: SYSCALL's STAR must name the host's user CS (0x33) on PVM. */
    linux_gdt[1] = 0x00AF9A000000FFFFUL;     /* 0x08 kernel code (the IDT's) */
    linux_gdt[2] = 0x00AF9A000000FFFFUL;     /* 0x10 kernel code (STAR) */
    linux_gdt[3] = 0x00CF92000000FFFFUL;     /* 0x18 kernel data */
    linux_gdt[4] = 0x00CFFA000000FFFFUL;     /* 0x23 user 32-bit code */
    linux_gdt[5] = 0x00CFF2000000FFFFUL;     /* 0x2b user data */
    linux_gdt[6] = 0x00AFFA000000FFFFUL;     /* 0x33 user 64-bit code */
    linux_gdt[7] = gdt[6];                   /* the TSS descriptor, kept for completeness */
    linux_gdt[8] = gdt[7];
    struct { u16 limit; u64 base; } __attribute__((packed)) g = { sizeof linux_gdt - 1, (u64)linux_gdt };
    __asm__ volatile("lgdt %0" : : "m"(g));

    /* The first GiB again at KERNEL_ALIAS, supervisor only. */
    for (int i = 0; i < 512; i++)
        alias_pd[i] = ((u64)i << 21) | 0x83;
    alias_pdpt[510] = (u64)alias_pd | 0x3;
    pml4[511] = (u64)alias_pdpt | 0x3;
    __asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" ::: "rax", "memory");

    for (int i = 0; i < 32; i++) {
        u64 a = i == 14 ? KERNEL_ALIAS + (u64)(clac ? sc_page_fault_clac : sc_page_fault) : exc_stubs[i];
        idt[i] = (struct gate){ (u16)a, 0x08, 0, 0x8E, (u16)(a >> 16), (u32)(a >> 32), 0 };
    }
    struct { u16 limit; u64 base; } __attribute__((packed)) ip = { sizeof idt - 1, (u64)idt };
    __asm__ volatile("lidt %0" : : "m"(ip));

    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1);              /* SCE */
    wrmsr(MSR_STAR, 0x0023001000000000UL);             /* as Linux: user 0x23/0x2b/0x33, kernel 0x10 */
    wrmsr(MSR_LSTAR, KERNEL_ALIAS + (u64)sc_entry);
    wrmsr(MSR_FMASK, 0x47700);                         /* as Linux: TF DF IF IOPL AC NT */

    u64 t0 = time_now_us();
    sc_enter((u64)sc_user, 0x33, (u64)(user_stack + sizeof user_stack), 0x2B);
    u64 us = time_now_us() - t0;
    say("syscall: calls=%lu user_done=%lu entry_cs=0x%lx pf_rip=0x%lx pf_cs=0x%lx pf_cr2=0x%lx",
        sc_calls, sc_user_done, sc_entry_cs, sc_pf_rip, sc_pf_cs, sc_pf_cr2);
    if (sc_calls != sc_count || !sc_user_done)
        fail("syscall: %lu of %lu calls completed correctly", sc_calls, sc_count);
    if (sc_entry_cs & 3)
        fail("syscall: the entry ran at CPL %lu", sc_entry_cs & 3);
    if ((sc_pf_cs & 3) != 3 || sc_pf_cr2 != 0x7f0000000000UL)
        fail("syscall: the user page fault arrived as cs=0x%lx cr2=0x%lx", sc_pf_cs, sc_pf_cr2);
    say("syscall: ok calls=%lu us=%lu", sc_calls, us);
}
