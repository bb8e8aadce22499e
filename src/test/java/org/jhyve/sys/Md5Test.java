package org.jhyve.sys;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class Md5Test {
    private static String hex(byte[] b) { return HexFormat.of().formatHex(b); }

    @Test
    void rfc1321TestSuite() {
        assertEquals("d41d8cd98f00b204e9800998ecf8427e", hex(Md5.digest(new byte[0])));
        assertEquals("0cc175b9c0f1b6a831c399e269772661", hex(Md5.digest("a".getBytes(StandardCharsets.US_ASCII))));
        assertEquals("900150983cd24fb0d6963f7d28e17f72", hex(Md5.digest("abc".getBytes(StandardCharsets.US_ASCII))));
        assertEquals("57edf4a22be3c955ac49da2e2107b67a", hex(Md5.digest(
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void agreesWithTheJdkAcrossBlockBoundariesAndParts() throws Exception {
        Random r = new Random(7);
        for (int len = 0; len < 300; len++) {
            byte[] a = new byte[len];
            r.nextBytes(a);
            int cut = len == 0 ? 0 : r.nextInt(len);
            byte[] p1 = java.util.Arrays.copyOfRange(a, 0, cut), p2 = java.util.Arrays.copyOfRange(a, cut, len);
            assertArrayEquals(MessageDigest.getInstance("MD5").digest(a), Md5.digest(p1, p2), "length " + len);
        }
    }
}
