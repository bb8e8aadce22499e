package org.jhyve.devices;

import org.jhyve.config.ConfigException;
import org.jhyve.devices.lpc.I8042;
import org.jhyve.devices.lpc.LpcBridge;
import org.jhyve.devices.lpc.PmRegisters;
import org.jhyve.devices.lpc.Port80;
import org.jhyve.devices.lpc.ResetControl;
import org.jhyve.devices.lpc.Rtc;
import org.jhyve.devices.pci.BusWindows;
import org.jhyve.devices.pci.PciDevice;
import org.jhyve.devices.pci.PciRoot;

import java.util.ArrayList;
import java.util.List;

/**
 * The emulated board: the PCI root with every configured function, the platform devices bhyve
 * always has (ACPI PM registers, reset register, RTC, keyboard controller, POST port) and, through
 * the LPC bridge when one is configured, the COM ports and pc-testdev. {@link #build} creates the
 * devices in bus/slot/function order as bhyve does, then assigns the BARs.
 */
public final class Platform implements AutoCloseable {
    /** Looked up per message, not at class load: the first lookup loads the logging back end. */
    private static System.Logger log() { return System.getLogger("org.jhyve.devices"); }
    public static final int RTC_PORTS = 2;
    public static final int KBD_IRQ = 1, AUX_IRQ = 12;

    private final PciRoot pci;
    private final PmRegisters pm;
    private final ResetControl reset;
    private final Rtc rtc;
    private final I8042 keyboard;
    private final Port80 port80;
    private final LpcBridge lpc;
    private final List<BusWindows> windows;

    private Platform(PciRoot pci, PmRegisters pm, ResetControl reset, Rtc rtc, I8042 keyboard, Port80 port80,
                     LpcBridge lpc, List<BusWindows> windows) {
        this.pci = pci;
        this.pm = pm;
        this.reset = reset;
        this.rtc = rtc;
        this.keyboard = keyboard;
        this.port80 = port80;
        this.lpc = lpc;
        this.windows = windows;
    }

    /**
     * Builds everything from ctx.config(). ctx.node() is not used; ctx.pci() may be null (a root
     * is created). BAR decoding is switched on unless a boot ROM will do it (pci.enable_bars,
     * default: no lpc.bootrom), as bhyve.
     */
    public static Platform build(DeviceContext ctx, DeviceRegistry registry) {
        PciRoot root = ctx.pci() != null ? ctx.pci() : new PciRoot(ctx.pio(), ctx.mmio(), ctx.gsi());
        DeviceContext base = ctx.withPci(root);
        root.registerConfigAccess();

        PmRegisters pm = new PmRegisters(ctx.gsi().apply(PmRegisters.SCI_IRQ), ctx.vm());
        pm.register(ctx.pio());
        ResetControl reset = new ResetControl(ctx.vm());
        ctx.pio().register(ResetControl.PORT, 1, reset, "reset control");
        Rtc rtc = new Rtc(ctx.config().getBool("rtc.use_localtime", true), ctx.lowMem(), ctx.highMem());
        ctx.pio().register(Rtc.PORT, RTC_PORTS, rtc, "rtc");
        I8042 keyboard = new I8042(ctx.vm(), ctx.gsi().apply(KBD_IRQ), ctx.gsi().apply(AUX_IRQ));
        keyboard.register(ctx.pio());
        Port80 port80 = new Port80();
        ctx.pio().register(Port80.PORT, 1, port80, "post");

        LpcBridge lpc = null;
        try {
            for (int bus : numbers(ctx, "pci", 255)) {
                for (int slot : numbers(ctx, "pci." + bus, 31)) {
                    for (int fn : numbers(ctx, "pci." + bus + "." + slot, 7)) {
                        String node = "pci." + bus + "." + slot + "." + fn;
                        DeviceContext dc = base.withNode(node);
                        if ("lpc".equals(dc.get("device"))) LpcBridge.checkPlacement(bus, lpc != null);
                        PciDevice d = registry.create(dc, bus, slot, fn);
                        if (d instanceof LpcBridge l) lpc = l;
                        root.add(bus, slot, fn, d);
                    }
                }
            }
            if (lpc == null && !ctx.config().subtree("lpc").isEmpty()) {
                log().log(System.Logger.Level.WARNING, "lpc.* variables are set but no LPC bridge is configured "
                        + "(-s N,lpc): COM ports and pc-testdev are absent");
            }
            boolean enableBars = ctx.config().getBool("pci.enable_bars", !ctx.config().has("lpc.bootrom"));
            List<BusWindows> windows = root.assignBars(ctx.highMem(), enableBars);
            return new Platform(root, pm, reset, rtc, keyboard, port80, lpc, windows);
        } catch (RuntimeException e) {
            if (lpc != null) lpc.close();
            throw e;
        }
    }

    /** The numeric children of node (bus, slot or function numbers), ascending; others are refused. */
    private static List<Integer> numbers(DeviceContext ctx, String node, int max) {
        List<Integer> out = new ArrayList<>();
        for (String child : ctx.config().children(node)) {
            int n;
            try {
                n = Integer.parseInt(child);
            } catch (NumberFormatException e) {
                if (node.equals("pci") && child.equals("enable_bars")) continue;
                throw new ConfigException("invalid PCI configuration node " + node + "." + child);
            }
            if (n < 0 || n > max || !child.equals(Integer.toString(n))) {
                throw new ConfigException("invalid PCI configuration node " + node + "." + child + " (0-" + max + ")");
            }
            out.add(n);
        }
        out.sort(null);
        return out;
    }

    public PciRoot pci() { return pci; }

    public PmRegisters pm() { return pm; }

    public ResetControl resetControl() { return reset; }

    public Rtc rtc() { return rtc; }

    public I8042 keyboard() { return keyboard; }

    public Port80 port80() { return port80; }

    /** The LPC bridge, or null when none is configured. */
    public LpcBridge lpc() { return lpc; }

    /** Per-bus resource windows for the ACPI host bridge _CRS. */
    public List<BusWindows> windows() { return windows; }

    /** The power button (SIGTERM): false when the guest has not enabled ACPI. */
    public boolean pressPowerButton() { return pm.pressPowerButton(); }

    /** Starts the UART readers once the VM is ready to run. */
    public void start() {
        if (lpc != null) lpc.start();
    }

    @Override
    public void close() {
        for (PciDevice d : pci.devices()) {
            if (d instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    log().log(System.Logger.Level.WARNING, "closing {0}: {1}", d, e.getMessage());
                }
            }
        }
        if (lpc != null) lpc.close();
    }
}
