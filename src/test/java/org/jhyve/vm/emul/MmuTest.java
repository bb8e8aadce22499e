package org.jhyve.vm.emul;

import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Test;

import static org.jhyve.vm.emul.Mmu.Access.FETCH;
import static org.jhyve.vm.emul.Mmu.Access.READ;
import static org.jhyve.vm.emul.Mmu.Access.WRITE;
import static org.jhyve.vm.emul.Mmu.Mode.IMPLICIT;
import static org.jhyve.vm.emul.Mmu.Mode.SUPERVISOR;
import static org.jhyve.vm.emul.Mmu.Mode.USER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MmuTest {
    private final FakeCpu cpu = new FakeCpu();
    private final GuestMemory mem = FakeCpu.ram();
    private final Mmu mmu = new Mmu(cpu, mem);

    private Fault fault(Runnable r) {
        return assertThrows(Fault.Raised.class, r::run).fault();
    }

    @Test
    void fourLevelWalkSetsAccessedAndDirty() {
        assertEquals(0x12345, mmu.translate(0x12345, READ, SUPERVISOR));
        long pte = FakeCpu.PT + (0x12 << 3);
        assertEquals(0x20, mem.readLong(pte) & 0x60, "accessed set, dirty not on a read");
        assertEquals(0x20, mem.readLong(FakeCpu.PML4) & 0x20);
        mmu.translate(0x12345, WRITE, SUPERVISOR);
        assertEquals(0x60, mem.readLong(pte) & 0x60, "dirty set on a write");
    }

    @Test
    void largePagesAndRemapping() {
        // A 2 MiB page at 0x40000000 -> 0x600000, and a 1 GiB page at 0x80000000 -> 0.
        mem.writeLong(FakeCpu.PDPT + 8, 0x7000 | 3);
        mem.writeLong(0x7000, 0x600000 | 0x83);
        assertEquals(0x612345, mmu.translate(0x40012345L, READ, SUPERVISOR));
        mem.writeLong(FakeCpu.PDPT + 16, 0x83);
        assertEquals(0x123456, mmu.translate(0x80123456L, READ, SUPERVISOR));
    }

    @Test
    void notPresentIsPageFaultWithCr2() {
        Fault f = fault(() -> mmu.translate(0x4000_0000L, WRITE, SUPERVISOR));
        assertEquals(Fault.PF, f.vector());
        assertEquals(2, f.errorCode(), "not present, write, supervisor");
        assertEquals(0x4000_0000L, f.cr2());
    }

    @Test
    void protectionChecks() {
        FakeCpu.pageFlags(mem, 0x20000, 1); // present, read-only, supervisor
        assertEquals(7 - 4, fault(() -> mmu.translate(0x20000, WRITE, SUPERVISOR)).errorCode(), "CR0.WP: P|W");
        cpu.cr0 &= ~Regs.CR0_WP;
        assertEquals(0x20000, mmu.translate(0x20000, WRITE, SUPERVISOR), "without WP the kernel writes anyway");
        assertEquals(5, fault(() -> mmu.translate(0x20000, READ, USER)).errorCode(), "user on a supervisor page: P|U");
        FakeCpu.pageFlags(mem, 0x21000, 1 | 4 | (1L << 63)); // user, NX
        assertEquals(0x21000, mmu.translate(0x21000, READ, USER));
        assertEquals(0x15, fault(() -> mmu.translate(0x21000, FETCH, USER)).errorCode(), "NX fetch: P|U|I");
        cpu.cr4 |= Regs.CR4_SMAP | Regs.CR4_SMEP;
        assertEquals(1, fault(() -> mmu.translate(0x21000, READ, SUPERVISOR)).errorCode(), "SMAP");
        cpu.rflags |= Regs.RFLAGS_AC;
        assertEquals(0x21000, mmu.translate(0x21000, READ, SUPERVISOR), "RFLAGS.AC lifts SMAP");
        assertEquals(1, fault(() -> mmu.translate(0x21000, READ, IMPLICIT)).errorCode(), "but not for implicit accesses");
        FakeCpu.pageFlags(mem, 0x22000, 1 | 4);
        assertEquals(0x11, fault(() -> mmu.translate(0x22000, FETCH, SUPERVISOR)).errorCode(), "SMEP");
    }

    @Test
    void thirtyTwoBitAndPaePaging() {
        cpu.efer = 0;
        cpu.cr4 = Regs.CR4_PSE;
        cpu.cr3 = 0x8000;
        mem.writeInt(0x8000 + 4 * 1, 0x9000 | 3); // 0x400000.. via a page table
        mem.writeInt(0x9000 + 4 * 5, 0x00ABC000 | 3);
        mem.writeInt(0x8000 + 4 * 2, 0x00C00000 | 0x83); // 4 MiB page at 0x800000 -> 0xC00000
        assertEquals(0xABC123, mmu.translate(0x405123, READ, SUPERVISOR));
        assertEquals(0xC12345, mmu.translate(0x812345, READ, SUPERVISOR));
        assertEquals(0x20, mem.readInt(0x9000 + 4 * 5) & 0x20);
        cpu.cr4 = Regs.CR4_PAE;
        cpu.cr3 = 0xA000;
        mem.writeLong(0xA000 + 8 * 3, 0xB000 | 1);      // PDPTE 3: 0xC0000000..
        mem.writeLong(0xB000 + 8 * 1, 0xE00000L | 0x83); // 2 MiB at 0xC0200000 -> 0xE00000
        assertEquals(0xE01234, mmu.translate(0xC0201234L, READ, SUPERVISOR));
        cpu.cr0 &= ~Regs.CR0_PG;
        assertEquals(0xC0201234L, mmu.translate(0xC0201234L, READ, SUPERVISOR), "paging off: identity");
    }

    @Test
    void fiveLevelPaging() {
        cpu.cr4 |= Regs.CR4_LA57;
        cpu.cr3 = 0xC000;
        mem.writeLong(0xC000 + 8 * 1, FakeCpu.PML4 | 3); // PML5 slot 1: 0x01000000000000..
        assertEquals(0x3456, mmu.translate(0x0001_0000_0000_3456L, READ, SUPERVISOR));
    }

    @Test
    void readAndWriteAcrossPages() {
        byte[] data = {1, 2, 3, 4, 5, 6};
        mmu.write(0x30FFD, data, SUPERVISOR);
        assertArrayEquals(data, mem.read(0x30FFD, 6));
        assertArrayEquals(data, mmu.read(0x30FFD, 6, READ, SUPERVISOR));
        FakeCpu.pageFlags(mem, 0x41000, 1);
        Fault f = fault(() -> mmu.write(0x40FFE, data, SUPERVISOR));
        assertEquals(0x41000, f.cr2());
        assertEquals(0, mem.read(0x40FFE, 1)[0], "no byte stored when a later page faults");
    }

    @Test
    void pageTableOutsideRamIsRefused() {
        mem.writeLong(FakeCpu.PDPT + 8 * 5, 0xF0000000L | 3);
        assertThrows(EmulationException.class, () -> mmu.translate(0x1_4000_0000L, READ, SUPERVISOR));
    }
}
