/*
 * Ring 3: entering user mode with IRETQ, the syscall gate and leaving user mode again.
 * Only the BSP runs user code, one user_enter at a time, so the saved kernel context is a
 * single global. Interrupts stay off in both rings. IRETQ enters user mode; the kernel is
 * entered through syscall_gate (see there) or any exception.
 */
#define USER_CS 0x2B
#define USER_SS 0x23
#define SYS_EXIT 0

    .text
    /* u64 user_enter(u64 (*fn)(u64), u64 arg, u64 stack_top): runs fn(arg) at CPL 3 with
       IOPL 3 and returns what fn returned (or what user_exit was given). */
    .globl user_enter
user_enter:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, kernel_ctx_rsp(%rip)
    push $USER_SS
    push %rdx                       /* user RSP, 16-byte aligned: user_start calls fn */
    push $0x3002                    /* RFLAGS: IOPL 3, IF 0 */
    push $USER_CS
    lea user_start(%rip), %rax
    push %rax
    mov %rdi, %rax
    mov %rsi, %rdi
    iretq

user_start:
    call *%rax
    mov %rax, %rsi
    mov $SYS_EXIT, %edi
    call syscall_gate
1:  jmp 1b

    /* The kernel entry for user code: u64 syscall_gate(u64 nr, u64 arg). The #UD handler
       (idt.c) recognises this RIP, runs the call at CPL 0 and resumes after the UD2 with the
       result in RAX. Not SYSCALL: on this project's KVM (PVM) SYSCALL continues in PVM's own
       native "guest supervisor" mode (CS reads 0x33, port I/O faults, SYSRET #GPs) instead of
       at CPL 0; exceptions are delivered to CPL 0 through the IDT on every platform. */
    .globl syscall_gate
syscall_gate:
    ud2
    ret

    /* Called from the #UD handler by SYS_EXIT: back to user_enter's caller at CPL 0. */
    .globl user_return
user_return:
    mov kernel_ctx_rsp(%rip), %rsp
    mov %rdi, %rax
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .bss
    .p2align 3
kernel_ctx_rsp: .quad 0
