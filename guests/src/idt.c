/* Exception handling: any unexpected fault becomes a "FAIL: exception ..." line and a power-off,
   so a broken platform shows up as a failed test instead of a hang. Interrupts stay off. */
#include "guest.h"

struct idt_gate {
    u16 off0, sel;
    u8 ist, type;
    u16 off1;
    u32 off2, zero;
} __attribute__((packed));

struct idt_ptr { u16 limit; u64 base; } __attribute__((packed));

extern const u64 exc_stubs[32];
static struct idt_gate idt[32] __attribute__((aligned(16)));

static const char *const names[32] = {
    "#DE divide", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound",
    "#UD invalid opcode", "#NM no fpu", "#DF double fault", "coprocessor overrun",
    "#TS invalid tss", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved", "#MF fpu", "#AC alignment", "#MC machine check",
    "#XM simd", "#VE virtualization", "#CP control protection",
};

void idt_init(void)
{
    for (int i = 0; i < 32; i++) {
        u64 a = exc_stubs[i];
        idt[i] = (struct idt_gate){
            .off0 = (u16)a, .sel = 0x08, .ist = 0, .type = 0x8E,
            .off1 = (u16)(a >> 16), .off2 = (u32)(a >> 32), .zero = 0,
        };
    }
    idt_load_current();
}

void idt_load_current(void)
{
    struct idt_ptr p = { sizeof idt - 1, (u64)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

static int in_exception;

void exception_handler(u64 vector, u64 error, u64 rip, u64 cr2)
{
    if (__atomic_fetch_add(&in_exception, 1, __ATOMIC_SEQ_CST))
        halt_forever();
    const char *name = vector < 32 && names[vector] ? names[vector] : "reserved";
    fail("exception vector=%lu (%s) rip=0x%lx error=0x%lx cr2=0x%lx apic=%u",
         vector, name, rip, error, cr2, lapic_id());
}

/* An IDT of limit 0 makes any exception undeliverable: #DE -> #GP -> #DF -> shutdown. */
void triple_fault(void)
{
    struct idt_ptr p = { 0, 0 };
    __asm__ volatile("lidt %0" : : "m"(p));
    __asm__ volatile("xor %%ecx, %%ecx; div %%ecx" : : : "eax", "ecx", "edx");
    halt_forever();
}
