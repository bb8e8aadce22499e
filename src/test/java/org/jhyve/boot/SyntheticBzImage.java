package org.jhyve.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A bzImage built in memory: a setup header as boot.rst describes it and a recognisable kernel body. */
final class SyntheticBzImage {
    int setupSects = 4;
    int version = 0x020f;
    int xloadflags = 1;
    int loadflags = 1;
    long prefAddress = 0x1000000;
    long initSize = 0x800000;
    long initrdAddrMax = 0x7fffffff;
    int cmdlineSize = 2047;
    int kernelAlignment = 0x200000;
    int kernelBytes = 0x3000;

    byte[] build() {
        int kernelOffset = (setupSects + 1) * 512;
        byte[] f = new byte[kernelOffset + kernelBytes];
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        f[0x1f1] = (byte) setupSects;
        b.putInt(0x1f4, kernelBytes / 16);
        b.putShort(0x1fe, (short) 0xAA55);
        f[0x200] = (byte) 0xEB;
        f[0x201] = (byte) 0x6a; // header ends at 0x26c
        b.putInt(0x202, 0x53726448);
        b.putShort(0x206, (short) version);
        f[0x211] = (byte) loadflags;
        b.putInt(0x22c, (int) initrdAddrMax);
        b.putInt(0x230, kernelAlignment);
        f[0x234] = 1;
        b.putShort(0x236, (short) xloadflags);
        b.putInt(0x238, cmdlineSize);
        b.putLong(0x258, prefAddress);
        b.putInt(0x260, (int) initSize);
        f[0x268] = 0x5a; // a header byte past the fields jhyve reads: copied all the same
        for (int i = 0; i < kernelBytes; i++) f[kernelOffset + i] = (byte) (i * 7 + 3);
        return f;
    }
}
