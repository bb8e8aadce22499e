package org.jhyve.firmware.acpi;

import java.util.ArrayList;
import java.util.List;
import org.jhyve.config.ConfigException;
import org.jhyve.firmware.Blob;
import org.jhyve.firmware.ComPort;
import org.jhyve.firmware.PlatformInfo;

/**
 * Builds and places the ACPI tables (blobs named by table signature: FACP is the FADT, APIC the MADT): RSDP first at {@code base} (16-byte aligned, inside the
 * 0xE0000-0xFFFFF range guests scan), then RSDT, XSDT, FADT, FACS (64-byte aligned), MADT,
 * MCFG, SPCR (only with COM1) and the DSDT, each 16-byte aligned.
 */
public final class AcpiTables {
    private static final int ALIGNMENT = 16;

    /** The tables as blobs in address order, and where the RSDP is. */
    public record Result(List<Blob> blobs, long rsdpAddress) {
        public Result {
            blobs = List.copyOf(blobs);
        }
    }

    private AcpiTables() {}

    public static Result build(PlatformInfo p, long base, long limit) {
        if (base % ALIGNMENT != 0) throw new IllegalArgumentException("RSDP address 0x" + Long.toHexString(base) + " is not 16-byte aligned");
        byte[] dsdt = Dsdt.build(p);
        byte[] facs = Facs.build();
        List<Named> listed = new ArrayList<>();
        listed.add(new Named("APIC", Madt.build(p)));
        listed.add(new Named("MCFG", Mcfg.build(p)));
        if (p.comPorts().contains(ComPort.COM1)) listed.add(new Named("SPCR", Spcr.build(ComPort.COM1)));
        int rootEntries = listed.size() + 1; // + FADT

        long rsdp = base;
        long rsdt = align(rsdp + Rsdp.SIZE, ALIGNMENT);
        long xsdt = align(rsdt + Rsdt.size(rootEntries), ALIGNMENT);
        long fadt = align(xsdt + Xsdt.size(rootEntries), ALIGNMENT);
        long facsAt = align(fadt + Fadt.SIZE, Facs.ALIGNMENT);
        long next = facsAt + Facs.SIZE;
        List<Long> listedAt = new ArrayList<>();
        for (Named n : listed) {
            next = align(next, ALIGNMENT);
            listedAt.add(next);
            next += n.bytes.length;
        }
        long dsdtAt = align(next, ALIGNMENT);
        long end = dsdtAt + dsdt.length;
        if (end > limit) {
            throw new ConfigException("ACPI tables need 0x" + Long.toHexString(end - base) + " bytes at 0x"
                    + Long.toHexString(base) + " but only 0x" + Long.toHexString(limit - base) + " fit");
        }

        List<Long> rootTables = new ArrayList<>();
        rootTables.add(fadt);
        rootTables.addAll(listedAt);
        List<Blob> blobs = new ArrayList<>();
        blobs.add(new Blob("RSDP", rsdp, Rsdp.build(rsdt, xsdt)));
        blobs.add(new Blob("RSDT", rsdt, Rsdt.build(rootTables)));
        blobs.add(new Blob("XSDT", xsdt, Xsdt.build(rootTables)));
        blobs.add(new Blob("FACP", fadt, Fadt.build(facsAt, dsdtAt)));
        blobs.add(new Blob("FACS", facsAt, facs));
        for (int i = 0; i < listed.size(); i++) blobs.add(new Blob(listed.get(i).name, listedAt.get(i), listed.get(i).bytes));
        blobs.add(new Blob("DSDT", dsdtAt, dsdt));
        return new Result(blobs, rsdp);
    }

    private record Named(String name, byte[] bytes) {}

    private static long align(long v, int alignment) { return (v + alignment - 1) / alignment * alignment; }
}
