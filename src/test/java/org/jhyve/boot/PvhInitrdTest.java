package org.jhyve.boot;

import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The initrd of a PVH kernel reaches Linux as hvm_start_info's first module. */
class PvhInitrdTest {
    @Test
    void initrdIsTheFirstModuleAndFlagsStayZero() throws Exception {
        Path elf = Path.of("guests/build/testguest.elf");
        GuestMemory mem = LinuxBootTest.memory(64 << 20);
        byte[] initrd = new byte[10_000];
        Arrays.fill(initrd, (byte) 0x5A);
        PvhBoot.loadState(mem, Files.readAllBytes(elf), elf.toString(), initrd, "x", LinuxBootTest.MAP, 0xF2400);
        long si = PvhBoot.START_INFO_ADDR;
        assertEquals(0x336ec578, mem.readInt(si), "hvm_start_info magic");
        assertEquals(0, mem.readInt(si + 8), "flags");
        assertEquals(1, mem.readInt(si + 12), "nr_modules");
        long mod = mem.readLong(si + 16);
        long at = mem.readLong(mod);
        assertEquals(10_000, mem.readLong(mod + 8), "module size");
        assertArrayEquals(initrd, mem.read(at, initrd.length));
    }
}
