/* Ring 3 set-up: TSS (RSP0 for exceptions raised in user mode), the user stack and the
   syscalls. Heavy loops run in user mode because this project's KVM runs guest user mode
   natively but emulates guest kernel mode (~1 M instructions/s). User code runs with IOPL 3
   and sees the whole identity map (every page is user). Under PVM IOPL 3 is not honoured at
   CPL 3 (RFLAGS.IOPL reads 0 in the exception frame), so port I/O there traps to idt.c. */
#include "guest.h"

#define TSS_SEL 0x30

struct tss {
    u32 reserved0;
    u64 rsp0, rsp1, rsp2;
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3, iopb;
} __attribute__((packed));

extern u64 gdt_tss[2];
extern u64 syscall_gate(u64 nr, u64 a1);
extern u64 user_enter(u64 (*fn)(u64), u64 arg, u64 stack_top);
__attribute__((noreturn)) extern void user_return(u64 value);

static struct tss tss __attribute__((aligned(16)));
static u8 exc_stack[16384] __attribute__((section(".stacks"), aligned(4096)));
static u8 user_stack[65536] __attribute__((section(".stacks"), aligned(4096)));
static bool ready;

static void user_init(void)
{
    memset(&tss, 0, sizeof tss);
    tss.rsp0 = (u64)(exc_stack + sizeof exc_stack);
    tss.iopb = sizeof tss;         /* no I/O bitmap: IOPL 3 alone grants the ports */
    u64 base = (u64)&tss, limit = sizeof tss - 1;
    gdt_tss[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89UL << 40)
               | (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt_tss[1] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"(TSS_SEL));
    ready = true;
}

u64 user_run(u64 (*fn)(u64), u64 arg)
{
    if (!ready)
        user_init();
    return user_enter(fn, arg, (u64)(user_stack + sizeof user_stack));
}

static u64 syscall_dispatch(u64 nr, u64 a1)
{
    switch (nr) {
    case SYS_EXIT:
        user_return(a1);
    case SYS_HALT:
        halt_forever();
    case SYS_NOP:
        return a1 + 1;
    case SYS_CPL:
        return cpl();
    case SYS_PUTS:
        serial_puts((const char *)a1);
        return 0;
    default:
        fail("syscall: unknown number %lu", nr);
    }
}

u64 syscall1(u64 nr, u64 a1)
{
    return syscall_gate(nr, a1);
}

/* From the #UD handler: true if the fault is the syscall gate's UD2 (then *ret is the result). */
bool syscall_from_gate(u64 rip, u64 nr, u64 a1, u64 *ret)
{
    if (rip != (u64)syscall_gate)
        return false;
    *ret = syscall_dispatch(nr, a1);
    return true;
}

void user_exit(u64 value)
{
    syscall1(SYS_EXIT, value);
    for (;;)
        ;
}
