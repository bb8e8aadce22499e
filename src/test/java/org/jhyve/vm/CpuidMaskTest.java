package org.jhyve.vm;

import org.jhyve.config.ConfigException;
import org.jhyve.sys.CpuidEntry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuidMaskTest {
    private static final CpuidEntry[] ENTRIES = {
            new CpuidEntry(1, 0, 0, 0x00A50F00, 0x00000800, 0xFEDA3203, 0x178BFBFF),
            new CpuidEntry(7, 0, 1, 0, 0xF1BF07AB, 0x0040069C, 0),
            new CpuidEntry(7, 1, 1, 0x30, 0, 0, 0),
            new CpuidEntry(0x40000001, 0, 0, 0x01FFFBFF, 0, 0, 0),
    };

    @Test
    void clearsTheNamedBitsOfTheNamedRegisterOnly() {
        CpuidEntry[] out = CpuidMask.parse("0x40000001:eax:0x2880, 1:ECX:0x04000000").apply(ENTRIES);
        assertEquals(0x01FFFBFF & ~0x2880, out[3].eax(), "KVM PV IPI, unhalt and sched-yield hidden");
        assertEquals(0xFEDA3203 & ~0x04000000, out[0].ecx(), "XSAVE hidden");
        assertEquals(ENTRIES[0].eax(), out[0].eax());
        assertEquals(ENTRIES[0].edx(), out[0].edx());
        assertEquals(ENTRIES[1], out[1]);
        assertEquals(0x01FFFBFF, ENTRIES[3].eax(), "the input array is not changed");
    }

    @Test
    void aSubleafLimitsTheRuleAndNoSubleafMeansAll() {
        CpuidEntry[] one = CpuidMask.parse("7.1:eax:0x10").apply(ENTRIES);
        assertEquals(0x20, one[2].eax());
        assertEquals(ENTRIES[1], one[1]);
        CpuidEntry[] all = CpuidMask.parse("7:eax:0x10,7:ebx:1").apply(ENTRIES);
        assertEquals(0x20, all[2].eax());
        assertEquals(0xF1BF07AA, all[1].ebx());
    }

    @Test
    void emptyMeansNothingHidden() {
        assertSame(CpuidMask.NONE, CpuidMask.parse(null));
        assertSame(CpuidMask.NONE, CpuidMask.parse(" "));
        assertArrayEquals(ENTRIES, CpuidMask.NONE.apply(ENTRIES));
    }

    @Test
    void malformedRulesAreRefusedByName() {
        for (String bad : new String[] {"1:eax", "1:esp:4", "x:eax:1", "1:eax:0x1FFFFFFFF", "1.2.3:eax:1", "1:eax:-1"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> CpuidMask.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("jhyve.cpuid.clear: "), e.getMessage());
        }
    }
}
