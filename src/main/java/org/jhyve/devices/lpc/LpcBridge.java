package org.jhyve.devices.lpc;

import org.jhyve.config.ConfigException;
import org.jhyve.devices.DeviceContext;
import org.jhyve.devices.SharedIrqLine;
import org.jhyve.devices.pci.PciConfigSpace;
import org.jhyve.devices.pci.PciDevice;
import org.jhyve.devices.pci.PirqRouter;

import java.util.ArrayList;
import java.util.List;

/**
 * bhyve's LPC PCI-ISA bridge (Intel 0x8086:0x7000, the PIIX3 ISA function, class 0x060100). Its
 * config space holds the PIRQ routing registers (PIRQA-D at 0x60-0x63, PIRQE-H at 0x68-0x6B, byte
 * writes only, as bhyve). Creating it puts the ISA devices behind it on the port-I/O bus: COM1-COM4
 * (always present, connected as lpc.comN.path says) and, with lpc.pc-testdev=true, pc-testdev.
 * lpc.bootrom / lpc.bootvars / lpc.fwcfg belong to the VM core (memory and firmware) and are not
 * read here. Only one bridge may exist, on bus 0.
 */
public final class LpcBridge extends PciDevice {
    public static final int VENDOR = 0x8086, DEVICE = 0x7000, CLASS_ISA_BRIDGE = 0x060100;
    public static final String[] COM_NAMES = {"com1", "com2", "com3", "com4"};
    public static final int[] COM_PORTS = {0x3F8, 0x2F8, 0x3E8, 0x2E8};
    public static final int[] COM_IRQS = {4, 3, 4, 3};
    public static final int UART_PORTS = 8;

    private final PirqRouter pirq;
    private final List<Uart16550> uarts = new ArrayList<>();
    private final PcTestDev testDev;

    /** Builds the bridge and its ISA devices from the "lpc" node; ctx.pci() gives the PIRQ registers. */
    public LpcBridge(DeviceContext ctx) {
        super("lpc", PciConfigSpace.type0(VENDOR, DEVICE, CLASS_ISA_BRIDGE, 0));
        this.pirq = ctx.pci().pirq();
        UartBackendFactory backends = new UartBackendFactory(ctx.host());
        SharedIrqLine irq3 = new SharedIrqLine(ctx.gsi().apply(3)), irq4 = new SharedIrqLine(ctx.gsi().apply(4));
        try {
            for (int i = 0; i < COM_NAMES.length; i++) {
                String name = COM_NAMES[i];
                UartBackend backend = backends.open(name, ctx.config().get("lpc." + name + ".path"));
                Uart16550 uart = new Uart16550(name, (COM_IRQS[i] == 4 ? irq4 : irq3).member(), backend);
                ctx.pio().register(COM_PORTS[i], UART_PORTS, uart, name);
                uarts.add(uart);
            }
            if (ctx.config().getBool("lpc.pc-testdev", false)) {
                testDev = new PcTestDev(ctx.host()::exitProcess, ctx.gsi());
                testDev.register(ctx.pio(), ctx.mmio());
            } else {
                testDev = null;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** COM1..COM4 in order. */
    public List<Uart16550> uarts() { return List.copyOf(uarts); }

    /** pc-testdev, or null when lpc.pc-testdev is not set. */
    public PcTestDev testDev() { return testDev; }

    /** Starts the UART back ends' readers. */
    public void start() { uarts.forEach(Uart16550::start); }

    /** Closes the UART back ends (restoring terminals). */
    public void close() {
        for (Uart16550 u : uarts) if (u.backend() != null) u.backend().close();
    }

    /** The config-space offset of PIRQ pin (0 = PIRQA). */
    public static int pirqRegister(int pin) { return pin < 4 ? 0x60 + pin : 0x68 + pin - 4; }

    private static int pirqPin(int offset) {
        if (offset >= 0x60 && offset <= 0x63) return offset - 0x60;
        if (offset >= 0x68 && offset <= 0x6B) return offset - 0x68 + 4;
        return -1;
    }

    /** PIRQ registers read what the router holds, whoever changed it last. */
    @Override
    protected int configRead(int offset, int size) {
        int v = super.configRead(offset, size);
        for (int i = 0; i < size; i++) {
            int pin = pirqPin(offset + i);
            if (pin >= 0) v = (v & ~(0xFF << 8 * i)) | pirq.read(pin) << 8 * i;
        }
        return v;
    }

    @Override
    protected void configWrite(int offset, int size, int value) {
        int pin = pirqPin(offset);
        if (size == 1 && pin >= 0) {
            pirq.write(pin, value);
            return;
        }
        super.configWrite(offset, size, value);
    }

    /** Refuses what bhyve refuses: a second bridge, or one off bus 0. */
    public static void checkPlacement(int bus, boolean another) {
        if (another) throw new ConfigException("Only one LPC bridge is allowed.");
        if (bus != 0) throw new ConfigException("LPC bridge can be present only on bus 0.");
    }
}
