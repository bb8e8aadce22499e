/*
 * A minimal PVH guest for the exit round-trip benchmark: COUNT port writes to 0x80 (or, with
 * MMIO defined, COUNT 32-bit reads of 0xE0000000), then a write of 0 to port 0xF4, which ends
 * the VM under every VMM in the comparison (jhyve's pc-testdev, QEMU's isa-debug-exit,
 * kvmfloor). The same bytes run under all three, so only the VMMs' exit paths differ.
 */
    .section .note.Xen, "a"
    .p2align 2
    .long 4, 4, 18              /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long _start

    .text
    .code32
    .globl _start
_start:
    mov $COUNT, %ecx
    mov $0x80, %dx
    test %ecx, %ecx
    jz 2f
1:
#ifdef MMIO
    mov 0xE0000000, %eax
#else
    out %al, %dx
#endif
    dec %ecx
    jnz 1b
2:
    xor %eax, %eax
    out %al, $0xF4
    cli
3:  hlt
    jmp 3b
