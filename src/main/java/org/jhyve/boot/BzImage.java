package org.jhyve.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The setup header of a Linux bzImage (Documentation/arch/x86/boot.rst), checked for what the
 * 64-bit boot protocol needs: protocol 2.12 or later, XLF_KERNEL_64, loaded high, and a file as
 * long as the header says.
 *
 * @param setupHeader     the header bytes from offset 0x1f1 to its end, copied into the zero page
 * @param kernelOffset    where the protected-mode kernel starts in the file ((setup_sects+1)*512)
 * @param kernelSize      its size (the rest of the file)
 * @param initrdAddrMax   the highest address the initrd may occupy
 * @param cmdlineSize     the longest command line the kernel accepts, without the NUL
 */
public record BzImage(int version, byte[] setupHeader, int kernelOffset, int kernelSize, boolean relocatable,
                      long kernelAlignment, long prefAddress, long initSize, long initrdAddrMax, int cmdlineSize) {
    public static final int HDR_START = 0x1f1;
    static final int HDRS = 0x53726448; // "HdrS"
    public static final int MIN_VERSION = 0x020c;
    static final int XLF_KERNEL_64 = 1, LOADED_HIGH = 1;
    /** The end of the fields jhyve reads (init_size ends at 0x264). */
    static final int MIN_LENGTH = 0x264;

    /** True when the file carries a Linux boot-protocol header ("HdrS" and the 0xAA55 boot flag). */
    public static boolean isBzImage(byte[] file) {
        if (file.length < 0x206) return false;
        ByteBuffer b = le(file);
        return b.getInt(0x202) == HDRS && Short.toUnsignedInt(b.getShort(0x1fe)) == 0xAA55;
    }

    public static BzImage parse(byte[] file, String what) {
        if (!isBzImage(file)) throw new BootException(what + ": not a Linux bzImage (no \"HdrS\" boot header)");
        if (file.length < MIN_LENGTH) throw new BootException(what + ": truncated bzImage (" + file.length + " bytes)");
        ByteBuffer b = le(file);
        int version = Short.toUnsignedInt(b.getShort(0x206));
        if (version < MIN_VERSION) {
            throw new BootException(String.format("%s: Linux boot protocol %d.%02d is too old; jhyve needs 2.12 or later"
                    + " (64-bit entry)", what, version >> 8, version & 0xff));
        }
        int xloadflags = Short.toUnsignedInt(b.getShort(0x236));
        if ((xloadflags & XLF_KERNEL_64) == 0) {
            throw new BootException(what + ": not a 64-bit kernel (XLF_KERNEL_64 is not set in xloadflags)");
        }
        if ((file[0x211] & LOADED_HIGH) == 0) throw new BootException(what + ": a zImage (not loaded high); jhyve boots bzImages");
        int setupSects = Byte.toUnsignedInt(file[0x1f1]);
        if (setupSects == 0) setupSects = 4;
        int kernelOffset = (setupSects + 1) * 512;
        long syssize = Integer.toUnsignedLong(b.getInt(0x1f4)) * 16;
        if (kernelOffset >= file.length || file.length - kernelOffset < syssize) {
            throw new BootException(String.format("%s: truncated bzImage: the header promises %d bytes of kernel after"
                    + " offset 0x%x, the file has %d", what, syssize, kernelOffset, Math.max(0, file.length - kernelOffset)));
        }
        int headerEnd = 0x202 + Byte.toUnsignedInt(file[0x201]);
        if (headerEnd < MIN_LENGTH || headerEnd > kernelOffset) {
            throw new BootException(String.format("%s: setup header ends at 0x%x, outside the setup code", what, headerEnd));
        }
        byte[] hdr = java.util.Arrays.copyOfRange(file, HDR_START, headerEnd);
        long initSize = Integer.toUnsignedLong(b.getInt(0x260));
        if (initSize == 0) throw new BootException(what + ": init_size is 0 in the setup header");
        return new BzImage(version, hdr, kernelOffset, file.length - kernelOffset, file[0x234] != 0,
                Integer.toUnsignedLong(b.getInt(0x230)), b.getLong(0x258), initSize,
                Integer.toUnsignedLong(b.getInt(0x22c)), b.getInt(0x238));
    }

    /** "2.15" for protocol 0x020f. */
    public String versionString() { return (version >> 8) + "." + String.format("%02d", version & 0xff); }

    private static ByteBuffer le(byte[] f) { return ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN); }
}
