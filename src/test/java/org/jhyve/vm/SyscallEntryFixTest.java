package org.jhyve.vm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The #PF-handler entries jhyve performs itself instead of single-stepping them. */
class SyscallEntryFixTest {
    private static int length(int... bytes) {
        byte[] b = new byte[4];
        for (int i = 0; i < bytes.length; i++) b[i] = (byte) bytes[i];
        return SyscallEntryFix.firstInstructionLength(b);
    }

    @Test
    void knowsLinuxsPageFaultEntries() {
        assertEquals(3, length(0x0F, 0x01, 0xCA, 0x48));       // clac
        assertEquals(3, length(0x0F, 0x1F, 0x00, 0xE8));       // nopl (%rax), ASM_CLAC without SMAP
        assertEquals(4, length(0xF3, 0x0F, 0x1E, 0xFA));       // endbr64
    }

    @Test
    void leavesEverythingElseToTheSingleStep() {
        assertEquals(0, length(0x0F, 0x01, 0xCB, 0x00));       // stac
        assertEquals(0, length(0x0F, 0x1F, 0x40, 0x00));       // nopl 0(%rax): 4 bytes, not the ASM_CLAC pad
        assertEquals(0, length(0xF3, 0x0F, 0x1E, 0xFB));       // endbr32
        assertEquals(0, length(0x9C, 0x8F, 0x05, 0x00));       // pushf
        assertEquals(0, length(0x90, 0x90, 0x90, 0x90));
    }
}
