package org.jhyve.firmware;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.UUID;
import org.jhyve.config.ConfigException;
import org.junit.jupiter.api.Test;

class SystemUuidTest {
    @Test
    void defaultIsMd5OfNameAndPaddedHostWithVersionAndVariant() {
        // Reference values from python3 hashlib: md5(name + host.ljust(256, b"\0")).
        // raw digest fc2d7f527ed04449fa436f403fc1486e; byte 6 0x44 -> 0x34, byte 8 0xfa -> 0xba.
        assertArrayEquals(HexFormat.of().parseHex("fc2d7f527ed03449ba436f403fc1486e"),
                SystemUuid.defaultBytes("testvm", "testhost"));
        assertEquals(UUID.fromString("527f2dfc-d07e-4934-ba43-6f403fc1486e"), SystemUuid.defaultFor("testvm", "testhost"));
    }

    @Test
    void versionAndVariantBitsAreForcedForAnyInput() {
        for (String name : new String[] {"a", "vm0", "freebsd-14", "x".repeat(300)}) {
            byte[] d = SystemUuid.defaultBytes(name, "host.example.org");
            assertEquals(0x30, d[6] & 0xF0, name);
            assertEquals(0x80, d[8] & 0xC0, name);
        }
        assertNotEquals(SystemUuid.defaultFor("vm1", "h"), SystemUuid.defaultFor("vm2", "h"));
        assertNotEquals(SystemUuid.defaultFor("vm1", "h1"), SystemUuid.defaultFor("vm1", "h2"));
    }

    @Test
    void smbiosEncodingRoundTrips() {
        UUID u = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");
        byte[] le = SystemUuid.smbiosBytes(u);
        assertArrayEquals(HexFormat.of().parseHex("33221100554477668899aabbccddeeff"), le);
        assertEquals(u, SystemUuid.fromSmbiosBytes(le));
    }

    @Test
    void onlyCanonicalTextParses() {
        assertEquals(UUID.fromString("12345678-9abc-def0-1122-334455667788"),
                SystemUuid.parse("12345678-9ABC-DEF0-1122-334455667788"));
        assertThrows(ConfigException.class, () -> SystemUuid.parse("1-2-3-4-5"));
        assertThrows(ConfigException.class, () -> SystemUuid.parse("123456789abcdef01122334455667788"));
    }
}
