package org.jhyve.firmware.aml;

import java.util.List;
import org.jhyve.firmware.LeBuffer;

/**
 * ASL's ResourceTemplate: resource descriptors (ACPI 6.x, section 6.4) collected into a Buffer
 * that ends with an End Tag. Address-space descriptors are written as producers with fixed
 * minimum and maximum and positive decode, which is what a host bridge's _CRS reports.
 */
public final class ResourceTemplate {
    private static final int IRQ_NO_FLAGS = 0x22;
    private static final int IRQ_WITH_FLAGS = 0x23;
    private static final int IO = 0x47;
    private static final int END_TAG = 0x79;
    private static final int MEMORY32_FIXED = 0x86;
    private static final int DWORD_ADDRESS = 0x87;
    private static final int WORD_ADDRESS = 0x88;
    private static final int EXTENDED_IRQ = 0x89;
    private static final int QWORD_ADDRESS = 0x8A;
    private static final int TYPE_MEMORY = 0;
    private static final int TYPE_IO = 1;
    private static final int TYPE_BUS = 2;
    /** General flags: ResourceProducer, PosDecode, MinFixed, MaxFixed. */
    private static final int PRODUCER_FIXED = 0x0C;
    /** I/O type-specific flags: EntireRange (ISA and non-ISA ports). */
    private static final int IO_ENTIRE_RANGE = 0x03;
    /** Memory type-specific flags: ReadWrite, NonCacheable. */
    private static final int MEM_RW_NONCACHEABLE = 0x01;

    private final LeBuffer out = new LeBuffer();

    /** IO (Decode16, min, max, alignment, length). */
    public ResourceTemplate io(int min, int max, int alignment, int length) {
        checkRange("I/O minimum", min, 0xFFFF);
        checkRange("I/O maximum", max, 0xFFFF);
        checkRange("I/O alignment", alignment, 0xFF);
        checkRange("I/O length", length, 0xFF);
        out.u8(IO).u8(0x01).u16(min).u16(max).u8(alignment).u8(length);
        return this;
    }

    /** IO (Decode16, port, port, 1, length): a fixed block of ports. */
    public ResourceTemplate io(int port, int length) { return io(port, port, 1, length); }

    /** IRQNoFlags () {irqs}: ISA interrupts, edge-triggered, active-high, exclusive. */
    public ResourceTemplate irqNoFlags(int... irqs) {
        out.u8(IRQ_NO_FLAGS).u16(irqMask(irqs));
        return this;
    }

    /** IRQ (Level|Edge, ActiveLow|ActiveHigh, Shared|Exclusive) {irqs}. */
    public ResourceTemplate irq(boolean level, boolean activeLow, boolean shared, int... irqs) {
        int flags = (level ? 0 : 0x01) | (activeLow ? 0x08 : 0) | (shared ? 0x10 : 0);
        out.u8(IRQ_WITH_FLAGS).u16(irqMask(irqs)).u8(flags);
        return this;
    }

    /** Interrupt (ResourceConsumer, Level|Edge, ActiveLow|ActiveHigh, Shared|Exclusive) {gsis}. */
    public ResourceTemplate interrupt(boolean level, boolean activeLow, boolean shared, List<Long> gsis) {
        if (gsis.isEmpty() || gsis.size() > 255) throw new IllegalArgumentException("Interrupt needs 1..255 numbers, not " + gsis.size());
        int flags = 0x01 | (level ? 0 : 0x02) | (activeLow ? 0x04 : 0) | (shared ? 0x08 : 0);
        out.u8(EXTENDED_IRQ).u16(2 + 4 * gsis.size()).u8(flags).u8(gsis.size());
        for (long g : gsis) {
            checkRange("GSI", g, 0xFFFFFFFFL);
            out.u32(g);
        }
        return this;
    }

    /** Memory32Fixed (ReadWrite|ReadOnly, base, length). */
    public ResourceTemplate memory32Fixed(boolean readWrite, long base, long length) {
        checkRange("Memory32Fixed base", base, 0xFFFFFFFFL);
        checkRange("Memory32Fixed length", length, 0xFFFFFFFFL);
        out.u8(MEMORY32_FIXED).u16(9).u8(readWrite ? 1 : 0).u32(base).u32(length);
        return this;
    }

    /** WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, min, max, 0, count). */
    public ResourceTemplate wordBusNumber(int min, int max) {
        return word(TYPE_BUS, 0, min, max);
    }

    /** WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, length). */
    public ResourceTemplate wordIo(int min, int max) {
        return word(TYPE_IO, IO_ENTIRE_RANGE, min, max);
    }

    /** DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite, 0, min, max, 0, length). */
    public ResourceTemplate dwordMemory(long min, long max) {
        checkSpan(min, max, 0xFFFFFFFFL);
        checkLength(min, max, 0xFFFFFFFFL);
        out.u8(DWORD_ADDRESS).u16(0x17).u8(TYPE_MEMORY).u8(PRODUCER_FIXED).u8(MEM_RW_NONCACHEABLE)
                .u32(0).u32(min).u32(max).u32(0).u32(max - min + 1);
        return this;
    }

    /** QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite, 0, min, max, 0, length). */
    public ResourceTemplate qwordMemory(long min, long max) {
        if (Long.compareUnsigned(min, max) > 0) throw new IllegalArgumentException("range 0x" + Long.toHexString(min)
                + "-0x" + Long.toHexString(max) + " is empty");
        if (min == 0 && max == -1) throw new IllegalArgumentException("a QWord range cannot span all 2^64 addresses");
        out.u8(QWORD_ADDRESS).u16(0x2B).u8(TYPE_MEMORY).u8(PRODUCER_FIXED).u8(MEM_RW_NONCACHEABLE)
                .u64(0).u64(min).u64(max).u64(0).u64(max - min + 1);
        return this;
    }

    /** The descriptors so far plus the End Tag (checksum 0: "treat as correct"). */
    public byte[] bytes() {
        LeBuffer copy = new LeBuffer().bytes(out.toByteArray());
        return copy.u8(END_TAG).u8(0).toByteArray();
    }

    /** The Buffer term ASL's ResourceTemplate () {...} compiles to. */
    public Term toBuffer() { return Aml.buffer(bytes()); }

    private ResourceTemplate word(int type, int typeFlags, int min, int max) {
        checkSpan(min, max, 0xFFFF);
        checkLength(min, max, 0xFFFF);
        out.u8(WORD_ADDRESS).u16(0x0D).u8(type).u8(PRODUCER_FIXED).u8(typeFlags)
                .u16(0).u16(min).u16(max).u16(0).u16(max - min + 1);
        return this;
    }

    private static int irqMask(int... irqs) {
        if (irqs.length == 0) throw new IllegalArgumentException("an IRQ descriptor needs at least one IRQ");
        int mask = 0;
        for (int irq : irqs) {
            checkRange("ISA IRQ", irq, 15);
            mask |= 1 << irq;
        }
        return mask;
    }

    private static void checkSpan(long min, long max, long limit) {
        checkRange("range minimum", min, limit);
        checkRange("range maximum", max, limit);
        if (min > max) throw new IllegalArgumentException("range 0x" + Long.toHexString(min) + "-0x" + Long.toHexString(max) + " is empty");
    }

    /** The length field has the same width as the bounds, so the full range cannot be described. */
    private static void checkLength(long min, long max, long limit) {
        if (max - min + 1 > limit) {
            throw new IllegalArgumentException("range 0x" + Long.toHexString(min) + "-0x" + Long.toHexString(max)
                    + " is too long for its length field");
        }
    }

    private static void checkRange(String what, long v, long limit) {
        if (v < 0 || v > limit) throw new IllegalArgumentException(what + " 0x" + Long.toHexString(v) + " above 0x" + Long.toHexString(limit));
    }
}
