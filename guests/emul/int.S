# INT3, INT n (interrupt gate, trap gate, IST stack) and a gate of the wrong type (#GP) in
# 64-bit ring 0. Each handler records its frame; RESULT+0x800.. holds the expected return addresses.
.include "common.inc"
.text
.globl _start
_start:
    gate 3, h_bp, 0xee00
    gate 0x40, h_40
    gate 0x41, h_41, 0x8f00
    gate 0x42, h_42, 0x8e00, 1
    gate 13, h_gp
    gate 0x43, h_40, 0x8c00                     # vector 0x43: a call gate, invalid in the IDT
    sti
    lea rax, [rip + r_bp]
    mov [RESULT + 0x800], rax
    lea rax, [rip + r_40]
    mov [RESULT + 0x808], rax
    lea rax, [rip + r_41]
    mov [RESULT + 0x810], rax
    lea rax, [rip + r_42]
    mov [RESULT + 0x818], rax
    lea rax, [rip + i_43]
    mov [RESULT + 0x820], rax
    mov rbx, 0x1234
    int3
r_bp:
    int 0x40
r_40:
    int 0x41
r_41:
    int 0x42
r_42:
i_43:
    int 0x43
    mov [RESULT + 0x828], rbx
    done

h_bp:
    frame RESULT + 0x000
    iretq
h_40:
    frame RESULT + 0x040
    iretq
h_41:
    frame RESULT + 0x080
    iretq
h_42:
    frame RESULT + 0x0c0
    iretq
h_gp:                                   # #GP pushes an error code; skip the 2-byte INT
    frame RESULT + 0x100, 8
    push rax
    mov rax, [rsp + 8]
    mov [RESULT + 0x140], rax
    pop rax
    add rsp, 8
    add qword ptr [rsp], 2
    iretq
