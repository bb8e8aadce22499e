/*
 * The raw floor for exit round trips: the smallest KVM loop in C that runs a 32-bit guest doing
 * N port writes (or N MMIO reads) and returns to the guest at once. jhyve's and QEMU's figures
 * for the same kind of loop are compared against this (bench/bench.py, metric "exits").
 * Usage: kvmfloor pio|mmio COUNT   → prints ns_per_exit=...
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: kvmfloor pio|mmio COUNT\n"); return 2; }
    int mmio = strcmp(argv[1], "mmio") == 0;
    uint32_t count = (uint32_t)strtoul(argv[2], 0, 0);
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die("/dev/kvm");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) die("KVM_CREATE_VM");
    size_t memsz = 16 << 20;
    uint8_t *mem = mmap(0, memsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct kvm_userspace_memory_region r = {.slot = 0, .guest_phys_addr = 0, .memory_size = memsz,
                                            .userspace_addr = (uint64_t)mem};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0) die("memory region");
    /* mov ecx, COUNT; mov dx, 0x80; L: out dx, al | mov eax, [0xE0000000]; dec ecx; jnz L; hlt */
    uint8_t *p = mem + 0x100000;
    *p++ = 0xB9; memcpy(p, &count, 4); p += 4;
    *p++ = 0x66; *p++ = 0xBA; *p++ = 0x80; *p++ = 0x00;
    uint8_t *loop = p;
    if (mmio) { *p++ = 0xA1; uint32_t a = 0xE0000000u; memcpy(p, &a, 4); p += 4; }
    else { *p++ = 0xEE; }
    *p++ = 0x49; *p++ = 0x75; *p = (uint8_t)(loop - (p + 1)); p++;
    *p++ = 0xF4;
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) die("KVM_CREATE_VCPU");
    int runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(0, runsz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    struct kvm_sregs s;
    ioctl(vcpu, KVM_GET_SREGS, &s);
    struct kvm_segment flat = {.base = 0, .limit = 0xFFFFFFFF, .selector = 0x10, .type = 0xB, .present = 1,
                               .db = 1, .s = 1, .g = 1};
    s.cs = flat;
    flat.type = 3; flat.selector = 0x18;
    s.ds = s.es = s.fs = s.gs = s.ss = flat;
    s.cr0 |= 1;
    if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0) die("sregs");
    struct kvm_regs regs = {.rip = 0x100000, .rflags = 2};
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) die("regs");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t exits = 0;
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) die("KVM_RUN");
        if (run->exit_reason == KVM_EXIT_IO || run->exit_reason == KVM_EXIT_MMIO) {
            if (run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write) memset(run->mmio.data, 0xFF, 8);
            exits++;
            continue;
        }
        if (run->exit_reason == KVM_EXIT_HLT) break;
        fprintf(stderr, "unexpected exit %u\n", run->exit_reason);
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
    printf("kvmfloor: %s count=%lu ns_per_exit=%.0f\n", mmio ? "mmio" : "pio", (unsigned long)exits, ns / exits);
    return 0;
}
