package org.jhyve.config;

import java.util.UUID;

/**
 * The uuid variable (-U) as bhyve's SMBIOS code reads it with uuid_from_string(3): empty means the
 * nil UUID; otherwise exactly 36 characters, 8-4-4-4-12 hex digits, and a variant of 0, 1 or 2
 * (the first byte of the fourth group must not start with binary 111). Anything else is fatal:
 * "Invalid UUID". Deriving the default UUID from the VM name is not done here.
 */
public final class Uuids {
    private Uuids() {}

    public static UUID parse(String s) {
        if (s.isEmpty()) return new UUID(0, 0);
        if (s.length() != 36) throw invalid(s);
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : CNum.digit(c, 16) < 0) throw invalid(s);
        }
        int clockSeqHi = Integer.parseInt(s.substring(19, 21), 16);
        if ((clockSeqHi & 0xe0) == 0xe0) throw invalid(s);
        return UUID.fromString(s);
    }

    private static ConfigException invalid(String s) {
        return new ConfigException("Invalid UUID '" + s + "'");
    }
}
