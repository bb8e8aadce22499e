package org.jhyve.config;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

class UuidsTest {
    @Test
    void validUuids() {
        assertEquals(UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), Uuids.parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"));
        assertEquals(UUID.fromString("6BA7B810-9DAD-11D1-C0B4-00C04FD430C8"), Uuids.parse("6BA7B810-9DAD-11D1-C0B4-00C04FD430C8"));
        assertEquals(new UUID(0, 0), Uuids.parse(""), "empty is the nil UUID");
        assertEquals(new UUID(0, 0), Uuids.parse("00000000-0000-0000-0000-000000000000"));
    }

    @Test
    void invalidUuids() {
        for (String bad : new String[] {
                "xyz",
                "6ba7b810-9dad-11d1-80b4-00c04fd430c",    // 35 characters
                "6ba7b8109dad-11d1-80b4-00c04fd430c8-",   // dash misplaced
                "6ba7b810-9dad-11d1-80b4-00c04fd430cg",   // not hex
                "6ba7b810-9dad-11d1-e0b4-00c04fd430c8",   // reserved variant 111x
                "{ba7b810-9dad-11d1-80b4-00c04fd430c8"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> Uuids.parse(bad), bad);
            assertEquals("Invalid UUID '" + bad + "'", e.getMessage());
        }
    }
}
