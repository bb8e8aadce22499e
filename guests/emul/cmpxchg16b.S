# LOCK CMPXCHG16B in 64-bit ring 0: a swap through an absolute address, a failing compare
# through [rdi], a RIP-relative operand, a base+index*scale+disp operand, and a misaligned
# operand (#GP(0), handled: the handler skips the 5-byte instruction).
.include "common.inc"
.text
.globl _start
_start:
    gate 13, h_gp
    mov qword ptr [0xa000], 1
    mov qword ptr [0xa008], 2
    mov rax, 1
    mov rdx, 2
    mov rbx, 0x11
    mov rcx, 0x22
    lock cmpxchg16b [0xa000]
    setz byte ptr [RESULT]
    mov rax, 5
    mov rdx, 6
    mov rbx, 0x33
    mov rcx, 0x44
    mov rdi, 0xa000
    lock cmpxchg16b [rdi]
    setz byte ptr [RESULT + 1]
    mov [RESULT + 8], rax
    mov [RESULT + 16], rdx
    mov rax, [rip + data]
    mov rdx, [rip + data + 8]
    mov rbx, 0x55
    mov rcx, 0x66
    cmpxchg16b [rip + data]
    setz byte ptr [RESULT + 2]
    mov rax, [rip + data]
    mov [RESULT + 24], rax
    mov rax, [rip + data + 8]
    mov [RESULT + 32], rax
    mov rdi, 0xa000 - 0x30
    mov rsi, 4
    mov rax, 0x11
    mov rdx, 0x22
    mov rbx, 0x99
    mov rcx, 0xaa
    lock cmpxchg16b [rdi + rsi * 8 + 0x10]
    setz byte ptr [RESULT + 3]
    mov rdi, 0xa008
    lock cmpxchg16b [rdi]
    mov rax, [0xa000]
    mov [RESULT + 40], rax
    mov rax, [0xa008]
    mov [RESULT + 48], rax
    done

h_gp:
    frame RESULT + 0x100, 8
    push rax
    mov rax, [rsp + 8]
    mov [RESULT + 0x140], rax
    pop rax
    add rsp, 8
    add qword ptr [rsp], 5
    iretq

.balign 16
data:
    .quad 0x77, 0x88
