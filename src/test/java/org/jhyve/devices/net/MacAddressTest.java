package org.jhyve.devices.net;

import org.jhyve.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MacAddressTest {
    @Test
    void defaultIsBhyvesMd5RuleBehindTheNetAppOui() {
        // MD5("3-0-vm1") starts ee 08 2b; MD5("2-0-it") starts 13 f2 7c (computed with Python's hashlib)
        assertEquals("00:a0:98:ee:08:2b", MacAddress.generated(3, 0, "vm1").toString());
        assertEquals("00:a0:98:13:f2:7c", MacAddress.fromConfig(null, 2, 0, "it").toString());
        assertNotEquals(MacAddress.generated(3, 0, "vm1"), MacAddress.generated(3, 1, "vm1"), "function is part of the rule");
    }

    @Test
    void macVariableIsParsedLikeEtherAton() {
        assertEquals("58:9c:fc:00:00:01", MacAddress.fromConfig("58:9c:fc:00:00:01", 3, 0, "vm").toString());
        assertEquals("02:0a:0b:0c:0d:0e", MacAddress.parse("2:a:b:c:d:e").toString());
        for (String bad : new String[] {"58:9c:fc:00:00", "58:9c:fc:00:00:01:02", "58:9c:fc:00:00:zz", "589cfc000001",
                "58:9c:fc:00:00:100", "58-9c-fc-00-00-01"}) {
            assertThrows(ConfigException.class, () -> MacAddress.parse(bad), bad);
        }
    }

    @Test
    void multicastAndZeroAreRefused() {
        assertEquals("Invalid MAC address 01:00:5e:00:00:01 (multicast or all zero)",
                assertThrows(ConfigException.class, () -> MacAddress.parse("01:00:5e:00:00:01")).getMessage());
        assertThrows(ConfigException.class, () -> MacAddress.parse("ff:ff:ff:ff:ff:ff"));
        assertThrows(ConfigException.class, () -> MacAddress.parse("00:00:00:00:00:00"));
    }
}
