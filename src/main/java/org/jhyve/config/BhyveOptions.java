package org.jhyve.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * bhyve's command line (bhyve_optparse and the start of main) turned into a configuration tree.
 * Options are applied in order, each setting variables; later ones override earlier ones; -k loads
 * its file at its position. After the options comes exactly one operand, the VM name (it may also
 * come from the variable name). Then config.dump=true stops with the tree as it is; otherwise the
 * tree is checked the way bhyve checks it before creating the VM.
 */
public final class BhyveOptions {
    /** bhyve's getopt string (amd64, built with snapshot support). */
    static final String OPTSTRING = "aehuwxACDHIPSWYk:f:o:p:G:c:s:m:l:K:U:r:";

    /** bhyve exits 1 after printing the configuration for config.dump=true. */
    public static final int DUMP_EXIT_STATUS = 1;
    /** -h, -s help and -l help exit 0. */
    public static final int HELP_EXIT_STATUS = 0;

    private BhyveOptions() {}

    /**
     * Parses a command line (without the program name).
     *
     * @throws OptionException for errors bhyve answers with exit status 1 (usage) or 64 (EX_USAGE)
     * @throws ConfigException for every other error (bhyve's exit status 4)
     */
    public static Invocation parse(String[] args) {
        ConfigTree tree = new ConfigTree();
        setStartupDefaults(tree);
        Getopt getopt = new Getopt(args, OPTSTRING);
        String restoreFile = null;
        for (int c; (c = getopt.next()) != -1; ) {
            String arg = getopt.optarg();
            switch (c) {
                case 'a' -> tree.set("x86.x2apic", "false");
                // -A (ACPI tables are always built) and -I (an I/O APIC is always present) are no-ops
                case 'A', 'I' -> { }
                case 'C' -> tree.set("memory.guest_in_core", "true");
                case 'c' -> Topology.parseOption(tree, arg);
                case 'D' -> tree.set("destroy_on_poweroff", "true");
                case 'e' -> tree.set("x86.strictio", "true");
                case 'f' -> throw new ConfigException("option -f (fw_cfg user files) is not supported by jhyve: '" + arg + "'");
                case 'G' -> gdb(tree, arg);
                case 'H' -> tree.set("x86.vmexit_on_hlt", "true");
                case 'h' -> { return new Invocation.Usage(); }
                case 'K' -> tree.set("keyboard.layout", arg);
                case 'k' -> ConfigFile.load(tree, Path.of(arg));
                case 'l' -> {
                    if (isHelp(arg)) return new Invocation.ListLpc();
                    LpcOption.parse(tree, arg);
                }
                case 'm' -> tree.set("memory.size", arg);
                case 'o' -> {
                    if (!setOption(tree, arg)) throw OptionException.badValue("invalid configuration option '" + arg + "'");
                }
                case 'P' -> tree.set("x86.vmexit_on_pause", "true");
                case 'p' -> CpuPinning.addPin(tree, arg);
                case 'r' -> restoreFile = arg;
                case 'S' -> tree.set("memory.wired", "true");
                case 's' -> {
                    if (isHelp(arg)) return new Invocation.ListPci();
                    SlotOption.parse(tree, arg);
                }
                case 'U' -> tree.set("uuid", arg);
                case 'u' -> tree.set("rtc.use_localtime", "false");
                case 'W' -> tree.set("virtio_msix", "false");
                case 'w' -> tree.set("x86.strictmsr", "false");
                case 'x' -> tree.set("x86.x2apic", "true");
                case 'Y' -> tree.set("x86.mptable", "false");
                default -> throw new IllegalStateException("option -" + (char) c + " is in OPTSTRING but not handled");
            }
        }
        String[] operands = Arrays.copyOfRange(args, getopt.optind(), args.length);
        if (operands.length > 1) {
            throw OptionException.usage("expected one vmname, got " + operands.length + ": " + String.join(" ", operands));
        }
        if (operands.length == 1) tree.set("name", operands[0]);
        // with -r and no name, the name is the one recorded in the snapshot (read by the restore code)
        if (tree.get("name") == null && restoreFile == null) throw OptionException.usage("missing vmname");

        if (tree.getBool("config.dump", false)) return new Invocation.Dump(tree);
        check(tree);
        return new Invocation.Run(tree, Optional.ofNullable(restoreFile));
    }

    /** The variables bhyve (amd64) sets before it parses the options (bhyve_init_config). */
    static void setStartupDefaults(ConfigTree tree) {
        tree.set("acpi_tables", "true");
        tree.set("acpi_tables_in_memory", "true");
        tree.set("memory.size", "256M");
        tree.set("x86.strictmsr", "true");
        tree.set("lpc.fwcfg", "bhyve");
    }

    /** bhyve answers "-s help" and "-l help", and every abbreviation of "help" including "". */
    private static boolean isHelp(String arg) {
        return "help".startsWith(arg);
    }

    /** bhyve_parse_config_option: name=value with a non-empty value; false when malformed. */
    static boolean setOption(ConfigTree tree, String option) {
        int eq = option.indexOf('=');
        if (eq < 0 || eq == option.length() - 1) return false;
        tree.set(option.substring(0, eq), option.substring(eq + 1));
        return true;
    }

    /** -G [w][address:]port: w sets gdb.wait; the address is what comes before the last ':'. */
    static void gdb(ConfigTree tree, String opt) {
        if (opt.startsWith("w")) {
            tree.set("gdb.wait", "true");
            opt = opt.substring(1);
        }
        int colon = opt.lastIndexOf(':');
        if (colon >= 0) tree.set("gdb.address", opt.substring(0, colon));
        tree.set("gdb.port", colon < 0 ? opt : opt.substring(colon + 1));
    }

    /**
     * The checks bhyve's main makes after the dump and before creating the VM (topology, vCPU
     * pinning, memory size), plus the LPC placement and UUID checks bhyve makes while building the
     * devices and SMBIOS tables, so that a bad configuration fails before anything is created.
     */
    static void check(ConfigTree tree) {
        Topology topology = Topology.fromConfig(tree);
        CpuPinning.fromConfig(tree, topology.cpus());
        String memory = tree.get("memory.size");
        if (Sizes.parseMemory(memory) == 0) throw new ConfigException("invalid memsize '" + memory + "': no memory");
        checkLpc(tree);
        String uuid = tree.get("uuid");
        if (uuid != null) Uuids.parse(uuid);
    }

    /** pci_lpc_init's rules, in bhyve's bus/slot/function order: one LPC bridge, on bus 0. */
    private static void checkLpc(ConfigTree tree) {
        // bhyve walks every pci.B.S.F; walking the nodes that exist finds the same ones (only
        // plain decimal names count, as bhyve builds them with %d) without 2048 lookups at start
        boolean seen = false;
        for (String bus : tree.children("pci")) {
            if (!decimal(bus, SlotOption.MAX_BUS)) continue;
            for (String slot : tree.children("pci." + bus)) {
                if (!decimal(slot, SlotOption.MAX_SLOT)) continue;
                for (String func : tree.children("pci." + bus + "." + slot)) {
                    if (!decimal(func, SlotOption.MAX_FUNC)) continue;
                    if (!"lpc".equals(tree.get("pci." + bus + "." + slot + "." + func + ".device"))) continue;
                    if (seen) throw new ConfigException("Only one LPC bridge is allowed.");
                    if (!bus.equals("0")) throw new ConfigException("LPC bridge can be present only on bus 0.");
                    seen = true;
                }
            }
        }
    }

    /** Whether s is a number 0..max written as %d writes it (no sign, no leading zeros). */
    private static boolean decimal(String s, int max) {
        if (s.isEmpty() || s.length() > 1 && s.charAt(0) == '0') return false;
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9' || (v = v * 10 + (c - '0')) > max) return false;
        }
        return true;
    }

    /** bhyve's usage text (amd64) with progName in place of "bhyve". */
    public static String usage(String progName) {
        String pad = " ".repeat(progName.length());
        return "Usage: " + progName + " [-aCDeHhPSuWwxY]\n"
                + "       " + pad + " [-c [[cpus=]numcpus][,sockets=n][,cores=n][,threads=n]]\n"
                + "       " + pad + " [-G port] [-k config_file] [-l lpc] [-m mem] [-o var=value]\n"
                + "       " + pad + " [-p vcpu:hostcpu] [-r file] [-s pci] [-U uuid] vmname\n"
                + "       -a: local apic is in xAPIC mode (deprecated)\n"
                + "       -C: include guest memory in core file\n"
                + "       -c: number of CPUs and/or topology specification\n"
                + "       -D: destroy on power-off\n"
                + "       -e: exit on unhandled I/O access\n"
                + "       -G: start a debug server\n"
                + "       -H: vmexit from the guest on HLT\n"
                + "       -h: help\n"
                + "       -k: key=value flat config file\n"
                + "       -K: PS2 keyboard layout\n"
                + "       -l: LPC device configuration\n"
                + "       -m: memory size\n"
                + "       -o: set config 'var' to 'value'\n"
                + "       -P: vmexit from the guest on pause\n"
                + "       -p: pin 'vcpu' to 'hostcpu'\n"
                + "       -r: path to checkpoint file\n"
                + "       -S: guest memory cannot be swapped\n"
                + "       -s: <slot,driver,configinfo> PCI slot config\n"
                + "       -U: UUID\n"
                + "       -u: RTC keeps UTC time\n"
                + "       -W: force virtio to use single-vector MSI\n"
                + "       -w: ignore unimplemented MSRs\n"
                + "       -x: local APIC is in x2APIC mode\n"
                + "       -Y: disable MPtable generation\n";
    }
}
