# XRSTOR64 from a standard-format area (x87 control word, MXCSR, XMM0, YMM0's upper half),
# then XSAVE64 to RESULT+0x400 and XSAVEC64 to RESULT+0x800. The test sets XCR0 = 7 and
# CR4.OSXSAVE, and checks the vCPU's state (KVM_GET_XSAVE) and both saved areas.
.include "common.inc"
.set AREA, 0xb000
.text
.globl _start
_start:
    mov word ptr [AREA], 0x027f
    mov dword ptr [AREA + 24], 0x7f80
    mov dword ptr [AREA + 28], 0xffff
    mov rax, 0x1111111111111111
    mov [AREA + 160], rax
    mov rax, 0x1212121212121212
    mov [AREA + 168], rax
    mov rax, 0x2222222222222222
    mov [AREA + 576], rax
    mov rax, 0x2323232323232323
    mov [AREA + 584], rax
    mov qword ptr [AREA + 512], 7
    mov eax, 7
    xor edx, edx
    xrstor64 [AREA]
    mov eax, 7
    xor edx, edx
    xsave64 [RESULT + 0x400]
    mov eax, 6
    xor edx, edx
    xsavec64 [RESULT + 0x800]
    done
