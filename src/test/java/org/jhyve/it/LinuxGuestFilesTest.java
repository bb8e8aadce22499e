package org.jhyve.it;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Linux group's initramfs carries its modules without their signatures. */
class LinuxGuestFilesTest {
    private static byte[] signed(byte[] body, int sigLen, int declared) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(body);
        out.writeBytes(new byte[sigLen]);
        out.writeBytes(new byte[] {0, 0, 2, 0, 0, 0, 0, 0});            // algo, hash, id_type PKCS#7, ...
        out.writeBytes(ByteBuffer.allocate(4).putInt(declared).array()); // sig_len, big-endian
        out.writeBytes(LinuxGuestFiles.SIGNATURE_MAGIC);
        return out.toByteArray();
    }

    @Test
    void stripsTheAppendedSignature() {
        byte[] body = "\177ELF module body".getBytes();
        assertArrayEquals(body, LinuxGuestFiles.withoutSignature(signed(body, 681, 681)));
    }

    @Test
    void leavesAnUnsignedModuleAlone() {
        byte[] body = "\177ELF module body without a signature".getBytes();
        assertSame(body, LinuxGuestFiles.withoutSignature(body));
    }

    @Test
    void refusesASignatureLongerThanTheFile() {
        assertThrows(IllegalArgumentException.class, () -> LinuxGuestFiles.withoutSignature(signed(new byte[4], 10, 5000)));
    }
}
