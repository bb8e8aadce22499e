package org.jhyve.firmware.acpi;

import static org.jhyve.firmware.aml.Aml.arg;
import static org.jhyve.firmware.aml.Aml.device;
import static org.jhyve.firmware.aml.Aml.eisaId;
import static org.jhyve.firmware.aml.Aml.integer;
import static org.jhyve.firmware.aml.Aml.method;
import static org.jhyve.firmware.aml.Aml.name;
import static org.jhyve.firmware.aml.Aml.pkg;
import static org.jhyve.firmware.aml.Aml.reference;
import static org.jhyve.firmware.aml.Aml.scope;
import static org.jhyve.firmware.aml.Aml.store;

import java.util.ArrayList;
import java.util.List;
import org.jhyve.firmware.ComPort;
import org.jhyve.firmware.Layout;
import org.jhyve.firmware.LeBuffer;
import org.jhyve.firmware.PciFunction;
import org.jhyve.firmware.PlatformInfo;
import org.jhyve.firmware.aml.ResourceTemplate;
import org.jhyve.firmware.aml.Term;

/**
 * Differentiated System Description Table, emitted as AML (revision 2: 64-bit integers).
 *
 * <p>Content: {@code \_PIC} (records the interrupt model in {@code PICM}), {@code \_S5} (SLP_TYPa
 * 5, which the PM device turns into power-off), and {@code \_SB.PCI0}, the PCIe host bridge with
 * its bus range and windows, a {@code _PRT} for every bus-0 slot, a PNP0C02 device reserving
 * ECAM and the PM ports, and the ISA devices of the LPC bridge.
 *
 * <p>The {@code _PRT} always gives IOAPIC GSIs, also in PIC mode: jhyve wires PCI INTx straight
 * to IOAPIC pins 16-23 and has no PIRQ router with 8259 link devices, so PIC-mode routing does
 * not exist. Guests that use the IOAPIC (all current ones) are unaffected.
 *
 * <p>No HPET device (PNP0103) and no HPET table: KVM has no in-kernel HPET and jhyve does not
 * emulate one in user space, so guests use the LAPIC timer, the PIT and the ACPI PM timer.
 */
public final class Dsdt {
    public static final int REVISION = 2;
    /** A _PRT address names a slot with function 0xFFFF: the entry holds for every function. */
    private static final int ALL_FUNCTIONS = 0xFFFF;

    private Dsdt() {}

    public static byte[] build(PlatformInfo p) {
        LeBuffer b = AcpiHeader.begin("DSDT", REVISION);
        for (Term t : body(p)) b.bytes(t.code());
        return AcpiHeader.finish(b);
    }

    static List<Term> body(PlatformInfo p) {
        List<Term> root = new ArrayList<>();
        root.add(name("PICM", integer(0)));
        root.add(method("_PIC", 1, false, store(arg(0), reference("PICM"))));
        root.add(name("_S5", pkg(integer(5), integer(0))));
        root.add(scope("\\_SB", pci0(p)));
        return root;
    }

    private static Term pci0(PlatformInfo p) {
        List<Term> d = new ArrayList<>();
        d.add(name("_HID", eisaId("PNP0A08")));
        d.add(name("_CID", eisaId("PNP0A03")));
        d.add(name("_UID", integer(0)));
        d.add(name("_SEG", integer(0)));
        d.add(name("_BBN", integer(p.ecamStartBus())));
        d.add(name("_CRS", hostBridgeResources(p).toBuffer()));
        d.add(name("_PRT", prt(p)));
        d.add(motherboardResources(p));
        d.add(isa(p));
        return device("PCI0", d);
    }

    /**
     * The bus range and the windows the host bridge forwards: legacy I/O around the 0xCF8
     * config ports, the I/O BAR window, VGA memory, and the 32- and 64-bit BAR windows.
     */
    static ResourceTemplate hostBridgeResources(PlatformInfo p) {
        ResourceTemplate r = new ResourceTemplate()
                .wordBusNumber(p.ecamStartBus(), p.ecamEndBus())
                .io(0xCF8, 8)
                .wordIo(0x0000, 0x0CF7);
        int ioBase = (int) p.pciIo().base();
        if (ioBase > 0x0D00) r.wordIo(0x0D00, ioBase - 1);
        r.wordIo(ioBase, (int) p.pciIo().last())
                .dwordMemory(0xA0000, 0xBFFFF)
                .dwordMemory(p.pciMem32().base(), p.pciMem32().last())
                .qwordMemory(p.pciMem64().base(), p.pciMem64().last());
        return r;
    }

    /** One entry per pin of every slot that has a function: {address 0xSSSSFFFF, pin, 0, GSI}. */
    static Term prt(PlatformInfo p) {
        List<Term> entries = new ArrayList<>();
        for (int slot : p.pciSlots()) {
            for (int pin = 0; pin < 4; pin++) {
                long address = ((long) slot << 16) | ALL_FUNCTIONS;
                entries.add(pkg(integer(address), integer(pin), integer(0), integer(PciFunction.gsi(slot, pin))));
            }
        }
        return pkg(entries);
    }

    /** PNP0C02 claims what no other device's _CRS covers, so the OS does not hand it out. */
    private static Term motherboardResources(PlatformInfo p) {
        long ecamStart = p.ecamBase() + ((long) p.ecamStartBus() << 20);
        long ecamSize = (long) (p.ecamEndBus() - p.ecamStartBus() + 1) << 20;
        ResourceTemplate r = new ResourceTemplate()
                .io(Layout.SMI_CMD, 1)
                .io(Layout.PM1A_EVT, 4)
                .io(Layout.PM1A_CNT, 2)
                .io(Layout.PM_TMR, 4)
                .memory32Fixed(true, ecamStart, ecamSize);
        return device("PDRC",
                name("_HID", eisaId("PNP0C02")),
                name("_UID", integer(1)),
                name("_CRS", r.toBuffer()));
    }

    /**
     * The ISA devices: below the LPC bridge's PCI function when there is one, else in a plain
     * PNP0A05 (generic ISA bus) container, since the PIT, PIC, RTC and i8042 exist either way.
     */
    private static Term isa(PlatformInfo p) {
        List<Term> d = new ArrayList<>();
        if (p.lpc().isPresent()) d.add(name("_ADR", integer(p.lpc().get().acpiAddress())));
        else d.add(name("_HID", eisaId("PNP0A05")));
        for (ComPort c : p.comPorts()) {
            d.add(device("COM" + c.number(),
                    name("_HID", eisaId("PNP0501")),
                    name("_UID", integer(c.number())),
                    name("_CRS", new ResourceTemplate().io(c.port, 8).irqNoFlags(c.irq).toBuffer())));
        }
        d.add(device("RTC",
                name("_HID", eisaId("PNP0B00")),
                name("_CRS", new ResourceTemplate().io(0x70, 2).irqNoFlags(8).toBuffer())));
        d.add(device("TIMR",
                name("_HID", eisaId("PNP0100")),
                name("_CRS", new ResourceTemplate().io(0x40, 4).irqNoFlags(0).toBuffer())));
        d.add(device("PIC",
                name("_HID", eisaId("PNP0000")),
                name("_CRS", new ResourceTemplate().io(0x20, 2).io(0xA0, 2).irqNoFlags(2).toBuffer())));
        d.add(device("KBD",
                name("_HID", eisaId("PNP0303")),
                name("_CRS", new ResourceTemplate().io(0x60, 1).io(0x64, 1).irqNoFlags(1).toBuffer())));
        return device("ISA", d);
    }
}
