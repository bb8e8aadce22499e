package org.jhyve.devices.net;

import org.jhyve.config.ConfigException;
import org.jhyve.sys.Md5;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * A NIC's Ethernet address with bhyve's rules (net_utils.c): {@code mac=} as six colon-separated
 * hex bytes, refused when multicast or all zero; without it, MD5 of "slot-function-vmname" gives
 * the last three bytes after the OUI 00:a0:98.
 */
public record MacAddress(byte[] bytes) {
    public MacAddress {
        if (bytes.length != 6) throw new IllegalArgumentException("a MAC address has 6 bytes, not " + bytes.length);
        bytes = bytes.clone();
    }

    @Override public byte[] bytes() { return bytes.clone(); }

    public int get(int i) { return bytes[i] & 0xFF; }

    public boolean isMulticast() { return (bytes[0] & 1) != 0; }

    public boolean isZero() {
        for (byte b : bytes) if (b != 0) return false;
        return true;
    }

    /** Parses "58:9c:fc:00:00:01" (1 or 2 hex digits per byte, as ether_aton); refuses multicast and zero. */
    public static MacAddress parse(String s) {
        String[] parts = s.split(":", -1);
        if (parts.length != 6) throw new ConfigException("Invalid MAC address " + s);
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 2 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new ConfigException("Invalid MAC address " + s);
            }
            b[i] = (byte) Integer.parseInt(p, 16);
        }
        MacAddress m = new MacAddress(b);
        if (m.isMulticast() || m.isZero()) throw new ConfigException("Invalid MAC address " + s + " (multicast or all zero)");
        return m;
    }

    /** bhyve's default: 00:a0:98 followed by the first three bytes of MD5("slot-function-vmname"). */
    public static MacAddress generated(int slot, int function, String vmName) {
        byte[] d = Md5.digest((slot + "-" + function + "-" + vmName).getBytes(StandardCharsets.UTF_8));
        return new MacAddress(new byte[] {0x00, (byte) 0xa0, (byte) 0x98, d[0], d[1], d[2]});
    }

    /** mac= when set, else bhyve's default for that slot/function and VM name. */
    public static MacAddress fromConfig(String mac, int slot, int function, String vmName) {
        return mac != null ? parse(mac) : generated(slot, function, vmName == null ? "" : vmName);
    }

    @Override
    public String toString() { return HexFormat.ofDelimiter(":").formatHex(bytes); }

    @Override
    public boolean equals(Object o) { return o instanceof MacAddress m && java.util.Arrays.equals(bytes, m.bytes); }

    @Override
    public int hashCode() { return java.util.Arrays.hashCode(bytes); }
}
