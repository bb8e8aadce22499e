/*
 * PVH entry, switch to long mode, GDT, static identity page tables, exception stubs and the
 * real-mode AP trampoline. The loader enters pvh_entry in 32-bit protected mode with paging off
 * and EBX = physical address of struct hvm_start_info.
 */
#define TRAMPOLINE_BASE 0x8000
#define EFER_MSR 0xC0000080

    /* XEN_ELFNOTE_PHYS32_ENTRY (18), name "Xen": the PVH entry the VMM (or QEMU -kernel) uses. */
    .section .note.Xen, "a", @note
    .p2align 2
    .long 4
    .long 4
    .long 18
    .asciz "Xen"
    .p2align 2
    .long pvh_entry
    .p2align 2

    .section .text.entry, "ax"
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    cld
    mov %ebx, %esi
    lgdt gdt_ptr32
    ljmp $0x18, $1f
1:  mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov %cr4, %eax
    or $0x20, %eax                  /* PAE */
    mov %eax, %cr4
    mov $pml4, %eax
    mov %eax, %cr3
    mov $EFER_MSR, %ecx
    rdmsr
    or $0x100, %eax                 /* LME */
    wrmsr
    mov %cr0, %eax
    and $0x9FFFFFFF, %eax           /* caches on (clear CD, NW) */
    or $0x80000001, %eax            /* PG, PE */
    mov %eax, %cr0
    ljmp $0x08, $bsp_long

    .code64
bsp_long:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    lea bsp_stack_top(%rip), %rsp
    /* .bss is small; clear it ourselves rather than trust every loader to zero memsz. */
    lea __bss_start(%rip), %rdi
    lea __bss_end(%rip), %rcx
    sub %rdi, %rcx
    shr $3, %rcx
    xor %eax, %eax
    rep stosq
    mov %esi, %edi
    call kmain
2:  cli
    hlt
    jmp 2b

    .globl ap_long
ap_long:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov ap_stack_top(%rip), %rsp
    call ap_main
3:  cli
    hlt
    jmp 3b

    /* Exception stubs: push a zero error code where the CPU pushes none, then the vector. */
    .macro exc_noerr n
exc_\n: push $0
    push $\n
    jmp exc_common
    .endm
    .macro exc_err n
exc_\n: push $\n
    jmp exc_common
    .endm
    exc_noerr 0
    exc_noerr 1
    exc_noerr 2
    exc_noerr 3
    exc_noerr 4
    exc_noerr 5
    exc_noerr 6
    exc_noerr 7
    exc_err 8
    exc_noerr 9
    exc_err 10
    exc_err 11
    exc_err 12
    exc_err 13
    exc_err 14
    exc_noerr 15
    exc_noerr 16
    exc_err 17
    exc_noerr 18
    exc_noerr 19
    exc_noerr 20
    exc_err 21
    exc_noerr 22
    exc_noerr 23
    exc_noerr 24
    exc_noerr 25
    exc_noerr 26
    exc_noerr 27
    exc_noerr 28
    exc_err 29
    exc_err 30
    exc_noerr 31
exc_common:
    /* struct exc_frame (idt.c): the registers, then vector, error code and the CPU's frame. */
    push %r15
    push %r14
    push %r13
    push %r12
    push %r11
    push %r10
    push %r9
    push %r8
    push %rbp
    push %rdi
    push %rsi
    push %rdx
    push %rcx
    push %rbx
    push %rax
    mov %rsp, %rdi
    mov %cr2, %rsi
    mov %rsp, %rbx
    and $-16, %rsp
    call exception_handler          /* returns only when it handled the exception */
    mov %rbx, %rsp
    pop %rax
    pop %rbx
    pop %rcx
    pop %rdx
    pop %rsi
    pop %rdi
    pop %rbp
    pop %r8
    pop %r9
    pop %r10
    pop %r11
    pop %r12
    pop %r13
    pop %r14
    pop %r15
    add $16, %rsp                   /* vector and error code */
    iretq

    /* An I/O APIC interrupt that only has to wake a HLT: end of interrupt at the local APIC. */
    .globl irq_wake_stub, irq_spurious_stub
irq_wake_stub:
    push %rax
    mov $0xfee000b0, %eax
    movl $0, (%rax)
    pop %rax
irq_spurious_stub:                  /* a spurious interrupt takes no EOI */
    iretq

    .section .rodata
    .globl exc_stubs
    .p2align 3
exc_stubs:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad exc_\n
    .endr

    /*
     * AP trampoline: copied to TRAMPOLINE_BASE; a SIPI with vector TRAMPOLINE_BASE >> 12 starts
     * the AP here in real mode with CS = TRAMPOLINE_BASE >> 4, IP = 0.
     */
    .globl trampoline_start, trampoline_end
    .p2align 4
    .code16
trampoline_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl tramp_gdtr - trampoline_start
    mov %cr0, %eax
    and $0x9FFFFFFF, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x18, $(TRAMPOLINE_BASE + tramp32 - trampoline_start)
    .code32
tramp32:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %cr4, %eax
    or $0x20, %eax
    mov %eax, %cr4
    mov $pml4, %eax
    mov %eax, %cr3
    mov $EFER_MSR, %ecx
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax
    mov %eax, %cr0
    ljmp $0x08, $ap_long
    .p2align 2
tramp_gdtr:
    .word gdt_end - gdt - 1
    .long gdt
trampoline_end:
    .code64

    .section .data
    .p2align 3
    .globl gdt
gdt:
    .quad 0                         /* 0x00 null */
    .quad 0x00AF9A000000FFFF        /* 0x08 64-bit code */
    .quad 0x00CF92000000FFFF        /* 0x10 flat data */
    .quad 0x00CF9A000000FFFF        /* 0x18 32-bit code (also SYSRET's STAR base) */
    .quad 0x00CFF2000000FFFF        /* 0x20 user data, DPL 3 (SYSRET: SS = base + 8) */
    .quad 0x00AFFA000000FFFF        /* 0x28 user 64-bit code, DPL 3 (SYSRET: CS = base + 16) */
    .globl gdt_tss
gdt_tss:
    .quad 0                         /* 0x30 TSS, 16 bytes, filled in by user_init */
    .quad 0
gdt_end:
    .p2align 2
gdt_ptr32:
    .word gdt_end - gdt - 1
    .long gdt

    /* Identity map of the first 4 GiB with 2 MiB pages; the top GiB (MMIO) uncached. */
    .section .data.pagetables, "aw"
    .p2align 12
    .globl pml4
pml4:
    .quad pdpt + 0x7                /* user bit at every level: ring 3 sees the same identity map */
    .fill 511, 8, 0
pdpt:
    .quad pd + 0x7
    .quad pd + 0x1007
    .quad pd + 0x2007
    .quad pd + 0x3007
    .fill 508, 8, 0
pd:
    .set addr, 0
    .rept 2048
    .if addr >= 0xC0000000
    .quad addr + 0x9F               /* present, writable, user, PWT, PCD, 2 MiB */
    .else
    .quad addr + 0x87               /* present, writable, user, 2 MiB */
    .endif
    .set addr, addr + 0x200000
    .endr

    .section .stacks, "aw", @nobits
    .p2align 12
    .space 16384
bsp_stack_top:
