/* Exception handling: any unexpected fault becomes a "FAIL: exception ..." line and a power-off,
   so a broken platform shows up as a failed test instead of a hang. Interrupts stay off, except
   while serial_wait_input (serial.c) halts for COM1's interrupt. */
#include "guest.h"

struct idt_gate {
    u16 off0, sel;
    u8 ist, type;
    u16 off1;
    u32 off2, zero;
} __attribute__((packed));

struct idt_ptr { u16 limit; u64 base; } __attribute__((packed));

extern const u64 exc_stubs[32];
static struct idt_gate idt[48] __attribute__((aligned(16)));

static const char *const names[32] = {
    "#DE divide", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound",
    "#UD invalid opcode", "#NM no fpu", "#DF double fault", "coprocessor overrun",
    "#TS invalid tss", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved", "#MF fpu", "#AC alignment", "#MC machine check",
    "#XM simd", "#VE virtualization", "#CP control protection",
};

/* A 64-bit interrupt gate to a in the kernel code segment. */
static struct idt_gate gate(u64 a)
{
    return (struct idt_gate){
        .off0 = (u16)a, .sel = 0x08, .ist = 0, .type = 0x8E,
        .off1 = (u16)(a >> 16), .off2 = (u32)(a >> 32), .zero = 0,
    };
}

void idt_init(void)
{
    for (int i = 0; i < 32; i++)
        idt[i] = gate(exc_stubs[i]);
    idt_load_current();
}

/* An interrupt gate for vector (32-47) to handler. */
void idt_set_irq(int vector, void (*handler)(void))
{
    if (vector < 32 || vector >= (int)(sizeof idt / sizeof idt[0]))
        fail("idt: vector %d is outside 32-47", vector);
    idt[vector] = gate((u64)handler);
}

void idt_load_current(void)
{
    struct idt_ptr p = { sizeof idt - 1, (u64)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

static int in_exception;
u64 pio_trapped;

struct exc_frame {
    u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    u64 vector, error, rip, cs, rflags, rsp, ss;
};

/*
 * IN/OUT at CPL 3 with IOPL 3 need no help on a real CPU, but this project's KVM (PVM) raises
 * #GP for them. We then perform the access here and step over the instruction, so user code
 * works either way (slowly under PVM); pio_trapped counts how often that happened.
 * Handles IN/OUT with DX or imm8 ports, byte/word/dword (0x66 prefix); not the string forms.
 */
static bool emulate_user_pio(struct exc_frame *f)
{
    const u8 *ip = (const u8 *)f->rip;
    int len = 0, size = 4;
    if (ip[0] == 0x66)
        size = 2, len = 1;
    u8 op = ip[len++];
    u16 port;
    if (op >= 0xE4 && op <= 0xE7)
        port = ip[len++];
    else if (op >= 0xEC && op <= 0xEF)
        port = (u16)f->rdx;
    else
        return false;
    if (!(op & 1))
        size = 1;
    if (op & 2) {                  /* OUT */
        if (size == 1) outb(port, (u8)f->rax);
        else if (size == 2) outw(port, (u16)f->rax);
        else outl(port, (u32)f->rax);
    } else if (size == 1) {
        f->rax = (f->rax & ~0xFFUL) | inb(port);
    } else if (size == 2) {
        f->rax = (f->rax & ~0xFFFFUL) | inw(port);
    } else {
        f->rax = inl(port);        /* a 32-bit result zero-extends, as the CPU does */
    }
    f->rip += len;
    pio_trapped++;
    return true;
}

void exception_handler(struct exc_frame *f, u64 cr2)
{
    if (f->vector == 13 && (f->cs & 3) == 3 && f->error == 0 && emulate_user_pio(f))
        return;
    if (f->vector == 6 && (f->cs & 3) == 3 && syscall_from_gate(f->rip, f->rdi, f->rsi, &f->rax)) {
        f->rip += 2;
        return;
    }
    if (__atomic_fetch_add(&in_exception, 1, __ATOMIC_SEQ_CST))
        halt_forever();
    u64 vector = f->vector;
    const char *name = vector < 32 && names[vector] ? names[vector] : "reserved";
    fail("exception vector=%lu (%s) rip=0x%lx error=0x%lx cr2=0x%lx apic=%u%s",
         vector, name, f->rip, f->error, cr2, lapic_id(), (f->cs & 3) == 3 ? " cpl=3" : "");
}

/* An IDT of limit 0 makes any exception undeliverable: #DE -> #GP -> #DF -> shutdown. */
void triple_fault(void)
{
    struct idt_ptr p = { 0, 0 };
    __asm__ volatile("lidt %0" : : "m"(p));
    __asm__ volatile("xor %%ecx, %%ecx; div %%ecx" : : : "eax", "ecx", "edx");
    halt_forever();
}
