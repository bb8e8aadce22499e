package org.jhyve.firmware;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.jhyve.config.ConfigException;
import org.jhyve.sys.Md5;

/** The SMBIOS system UUID: bhyve's {@code uuid} variable, or bhyve's reproducible default. */
public final class SystemUuid {
    /** FreeBSD's MAXHOSTNAMELEN: bhyve hashes the whole gethostname() buffer of this size. */
    static final int HOST_NAME_BUFFER = 256;
    /** 8-4-4-4-12 hex digits, checked by hand: no regex compiled at every start. */
    private static boolean isUuidText(String t) {
        if (t.length() != 36) return false;
        for (int i = 0; i < 36; i++) {
            char c = t.charAt(i);
            boolean ok = (i == 8 || i == 13 || i == 18 || i == 23) ? c == '-'
                    : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!ok) return false;
        }
        return true;
    }

    private SystemUuid() {}

    /** Parses the canonical 8-4-4-4-12 form, as FreeBSD's uuid_from_string demands. */
    public static UUID parse(String text) {
        if (!isUuidText(text)) throw new ConfigException("invalid UUID '" + text + "'");
        return UUID.fromString(text);
    }

    /**
     * bhyve's default: MD5 over the VM name followed by the host name, then the version nibble
     * (byte 6 = 3x) and the RFC 4122 variant (byte 8 = 10xxxxxx). bhyve hashes the host name as
     * its full 256-byte gethostname() buffer; the bytes after the terminating NUL are whatever
     * the stack held, and jhyve takes them as zeros, which makes the result reproducible.
     * bhyve copies the digest into the table as is, so the returned UUID is the one whose SMBIOS
     * encoding ({@link #smbiosBytes}) equals those digest bytes.
     */
    public static UUID defaultFor(String vmName, String hostName) {
        byte[] d = defaultBytes(vmName, hostName);
        return fromSmbiosBytes(d);
    }

    /** The 16 bytes bhyve stores for the default UUID (the adjusted MD5 digest). */
    public static byte[] defaultBytes(String vmName, String hostName) {
        byte[] host = new byte[HOST_NAME_BUFFER];
        byte[] name = hostName.getBytes(StandardCharsets.UTF_8);
        // gethostname() truncates to the buffer, keeping room for the NUL.
        System.arraycopy(name, 0, host, 0, Math.min(name.length, HOST_NAME_BUFFER - 1));
        byte[] d = Md5.digest(vmName.getBytes(StandardCharsets.UTF_8), host);
        d[6] = (byte) ((d[6] & 0x0F) | 0x30);
        d[8] = (byte) ((d[8] & 0x3F) | 0x80);
        return d;
    }

    /**
     * SMBIOS 2.6+ encoding: time_low, time_mid and time_hi_and_version little-endian, the rest in
     * order (FreeBSD's uuid_enc_le); dmidecode decodes it back to the canonical text.
     */
    public static byte[] smbiosBytes(UUID uuid) {
        byte[] be = new byte[16];
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            be[i] = (byte) (msb >>> (56 - 8 * i));
            be[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
        return swapFields(be);
    }

    public static UUID fromSmbiosBytes(byte[] le) {
        if (le.length != 16) throw new IllegalArgumentException("a UUID has 16 bytes, not " + le.length);
        byte[] be = swapFields(le);
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (be[i] & 0xFF);
            lsb = (lsb << 8) | (be[8 + i] & 0xFF);
        }
        return new UUID(msb, lsb);
    }

    /** The host name as the kernel reports it (what gethostname() returns). */
    public static String hostName() {
        Path path = Path.of("/proc/sys/kernel/hostname");
        try {
            return Files.readString(path).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the host name from " + path + ": " + e.getMessage(), e);
        }
    }

    private static byte[] swapFields(byte[] in) {
        byte[] out = in.clone();
        out[0] = in[3];
        out[1] = in[2];
        out[2] = in[1];
        out[3] = in[0];
        out[4] = in[5];
        out[5] = in[4];
        out[6] = in[7];
        out[7] = in[6];
        return out;
    }
}
