/*
 * The "syscall" mode's assembly (syscall.c): user code that makes SYSCALLs the way Linux user
 * programs do, a kernel entry reached only through a supervisor-only alias at the top of the
 * address space (as Linux's entry_SYSCALL_64), and a #PF stub for the page fault at the end.
 */
#define KERNEL_ALIAS 0xffffffff80000000

    .text
    /* u64 sc_enter(rip, cs, rsp, ss): IRETQ to user code; returns what the #PF stub returns. */
    .globl sc_enter
sc_enter:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, sc_kernel_rsp(%rip)
    push %rcx
    push %rdx
    push $0x202                     /* IF, as user code always runs */
    push %rsi
    push %rdi
    cli
    iretq

    /* User code: nr SYSCALLs (RDI), each of which must return RAX + 1 with RCX/R11 clobbered
       and every other register intact, then a read of an unmapped address (a real #PF). */
    .globl sc_user
sc_user:
    mov sc_count(%rip), %r12
    xor %r13d, %r13d
1:  mov %r13, %rax
    mov $0x5a5a5a5a, %r14
    syscall
    cmp $0x5a5a5a5a, %r14
    jne 2f
    lea 1(%r13), %rdx
    cmp %rdx, %rax
    jne 2f
    mov %rax, %r13
    cmp %r12, %r13
    jb 1b
    incq sc_user_done(%rip)
2:  movq 0x7f0000000000, %rax      /* unmapped: the page fault ends the user part */
    ud2

    /* The SYSCALL target, entered through the alias at CPL 0: RAX + 1, then back to user mode
       with SYSRET or, when R11 (the user's RFLAGS) has RF, IRETQ as Linux does. */
    .globl sc_entry
sc_entry:
    incq sc_calls(%rip)
    xor %edx, %edx
    mov %cs, %dx
    mov %rdx, sc_entry_cs(%rip)
    inc %rax
    btq $16, %r11
    jc 1f
    sysretq
1:  mov %rsp, %rdx
    lea sc_stack_top(%rip), %rsp
    pushq $0x2b
    pushq %rdx
    pushq %r11
    pushq $0x33
    pushq %rcx
    iretq

    /* #PF entered as Linux's is, through CLAC. (This host clears AC on delivery already, so
       what CLAC does cannot be seen here; that the handler runs on from it can.) */
    .globl sc_page_fault_clac
sc_page_fault_clac:
    clac
    jmp sc_page_fault

    /* #PF: record the frame and CR2, then back to sc_enter's caller. */
    .globl sc_page_fault
sc_page_fault:
    mov 8(%rsp), %rax
    mov %rax, sc_pf_rip(%rip)
    mov 16(%rsp), %rax
    mov %rax, sc_pf_cs(%rip)
    mov %cr2, %rax
    mov %rax, sc_pf_cr2(%rip)
    mov sc_kernel_rsp(%rip), %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .bss
    .p2align 3
    .globl sc_count, sc_calls, sc_entry_cs, sc_user_done, sc_pf_rip, sc_pf_cs, sc_pf_cr2
sc_kernel_rsp: .quad 0
sc_count: .quad 0
sc_calls: .quad 0
sc_entry_cs: .quad 0
sc_user_done: .quad 0
sc_pf_rip: .quad 0
sc_pf_cs: .quad 0
sc_pf_cr2: .quad 0
    .p2align 4
    .skip 4096
sc_stack_top:
