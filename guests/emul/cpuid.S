# CPUID in 64-bit ring 0: leaf 1 and 0x40000001 (EAX..EDX each) into RESULT, RESULT+0x10.
.include "common.inc"
.text
.globl _start
_start:
    mov eax, 1
    xor ecx, ecx
    cpuid
    mov [RESULT + 0x00], eax
    mov [RESULT + 0x04], ebx
    mov [RESULT + 0x08], ecx
    mov [RESULT + 0x0c], edx
    mov eax, 0x40000001
    xor ecx, ecx
    cpuid
    mov [RESULT + 0x10], eax
    mov [RESULT + 0x14], ebx
    mov [RESULT + 0x18], ecx
    mov [RESULT + 0x1c], edx
    mov eax, 7
    xor ecx, ecx
    cpuid
    mov [RESULT + 0x20], eax
    mov [RESULT + 0x24], ebx
    mov [RESULT + 0x28], ecx
    mov [RESULT + 0x2c], edx
    done
