package org.jhyve.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SizesTest {
    static final long M = 1L << 20, G = 1L << 30;

    @Test
    void plainNumbersBelowOneMebibyteAreMebibytes() {
        assertEquals(512 * M, Sizes.parseMemory("512"));
        assertEquals(1048575 * M, Sizes.parseMemory("1048575"));
        assertEquals(1048576, Sizes.parseMemory("1048576"), "from 1 MiB on a plain number is bytes");
        assertEquals(G, Sizes.parseMemory("1073741824"));
        assertEquals(16 * M, Sizes.parseMemory("0x10"), "C hex");
        assertEquals(8 * M, Sizes.parseMemory("010"), "C octal");
        assertEquals(0, Sizes.parseMemory("0"));
    }

    @Test
    void suffixesInEitherCase() {
        assertEquals(G, Sizes.parseMemory("1G"));
        assertEquals(G, Sizes.parseMemory("1g"));
        assertEquals(256 * M, Sizes.parseMemory("256M"));
        assertEquals(256 * M, Sizes.parseMemory("256m"));
        assertEquals(4 * M, Sizes.parseMemory("4096K"));
        assertEquals(4 * M, Sizes.parseMemory("4096k"));
        assertEquals(1L << 40, Sizes.parseMemory("1T"));
        assertEquals(1L << 40, Sizes.parseMemory("1t"));
        assertEquals(2 * G, Sizes.parseMemory("2GB"));
        assertEquals(2 * G, Sizes.parseMemory("2gb"));
        assertEquals(100, Sizes.parseMemory("100b"), "B is bytes");
        assertEquals(0x40000000bL, Sizes.parseMemory("0x40000000b"), "in hex, b is a digit");
    }

    @Test
    void badSizes() {
        for (String bad : new String[] {"12Q", "", "G", "1GX", "1GBB", "-1", "1.5G", "1 G", "99999999999999E", "0x", "x1"}) {
            OptionException e = assertThrows(OptionException.class, () -> Sizes.parseMemory(bad), bad);
            assertEquals("invalid memsize '" + bad + "'", e.getMessage());
            assertEquals(64, e.exitStatus());
        }
    }
}
