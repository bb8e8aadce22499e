package org.jhyve.config;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class BhyveOptionsTest {
    /** What bhyve_init_config sets before any option, in bhyve's dump order. */
    static final String DEFAULTS = lines(
            "acpi_tables=true",
            "acpi_tables_in_memory=true",
            "memory.size=256M",
            "x86.strictmsr=true",
            "lpc.fwcfg=bhyve");

    static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    static ConfigTree run(String... args) {
        Invocation inv = BhyveOptions.parse(args);
        return assertInstanceOf(Invocation.Run.class, inv).tree();
    }

    static String dumpOf(String... args) {
        Invocation inv = BhyveOptions.parse(args);
        return assertInstanceOf(Invocation.Dump.class, inv).tree().dump();
    }

    static OptionException optionError(int status, String... args) {
        OptionException e = assertThrows(OptionException.class, () -> BhyveOptions.parse(args));
        assertEquals(status, e.exitStatus(), e.getMessage());
        return e;
    }

    static ConfigException fatal(String... args) {
        ConfigException e = assertThrows(ConfigException.class, () -> BhyveOptions.parse(args));
        assertFalse(e instanceof OptionException, "expected exit 4, got " + e.getMessage());
        return e;
    }

    @Test
    void onlyTheStartupDefaultsAndTheName() {
        assertEquals(DEFAULTS + "name=vm1\n", run("vm1").dump());
    }

    @Test
    void everyFlagSetsItsVariableInOrder() {
        ConfigTree t = run("-aACDeHIPSuWwxY", "vm1");
        assertEquals(lines(
                "acpi_tables=true",
                "acpi_tables_in_memory=true",
                "memory.size=256M",
                "memory.guest_in_core=true",
                "memory.wired=true",
                "x86.strictio=true",
                "x86.vmexit_on_hlt=true",
                "x86.vmexit_on_pause=true",
                "x86.strictmsr=false",
                "x86.x2apic=true",
                "x86.mptable=false",
                "lpc.fwcfg=bhyve",
                "destroy_on_poweroff=true",
                "rtc.use_localtime=false",
                "virtio_msix=false",
                "name=vm1"), t.dump());
    }

    @Test
    void laterOptionsOverrideEarlierOnes() {
        ConfigTree t = run("-x", "-a", "-m", "1G", "-m", "2G", "vm1");
        assertEquals("false", t.get("x86.x2apic"));
        assertEquals("2G", t.get("memory.size"));
        assertEquals(DEFAULTS.replace("256M", "2G").replace("x86.strictmsr=true\n", "x86.strictmsr=true\nx86.x2apic=false\n")
                + "name=vm1\n", t.dump());
    }

    @Test
    void optionArgumentsAttachedOrSeparate() {
        assertEquals("2", run("-c2", "vm1").get("cpus"));
        assertEquals("2", run("-c", "2", "vm1").get("cpus"));
        assertEquals("4G", run("-Hm4G", "vm1").get("memory.size"));
        assertEquals("true", run("-Hm4G", "vm1").get("x86.vmexit_on_hlt"));
    }

    @Test
    void anArgumentMayStartWithADash() {
        ConfigException e = fatal("-c", "-H", "vm1");
        assertEquals("Invalid value for cpus: '-H'", e.getMessage());
    }

    @Test
    void doubleDashEndsOptions() {
        assertEquals("-x", run("--", "-x").get("name"));
        assertEquals("vm1", run("-H", "--", "vm1").get("name"));
        assertEquals("-", run("-").get("name"), "a lone '-' is an operand");
    }

    @Test
    void optionsStopAtTheFirstOperandAsWithFreeBsdGetopt() {
        OptionException e = optionError(1, "vm1", "-c", "2");
        assertTrue(e.showUsage());
        assertEquals("expected one vmname, got 3: vm1 -c 2", e.getMessage());
    }

    @Test
    void getoptErrorsPrintUsageAndExit1() {
        assertEquals("illegal option -- Z", optionError(1, "-Z", "vm1").getMessage());
        assertEquals("illegal option -- Z", optionError(1, "-AZ", "vm1").getMessage());
        assertEquals("illegal option -- -", optionError(1, "--help").getMessage());
        assertEquals("illegal option -- :", optionError(1, "-:", "vm1").getMessage());
        OptionException e = optionError(1, "-c");
        assertEquals("option requires an argument -- c", e.getMessage());
        assertTrue(e.showUsage());
    }

    @Test
    void vmNameIsRequiredAndUnique() {
        assertEquals("missing vmname", optionError(1, "-A").getMessage());
        assertEquals("expected one vmname, got 2: a b", optionError(1, "a", "b").getMessage());
        assertEquals("missing vmname", optionError(1, "-o", "config.dump=true").getMessage(),
                "bhyve checks the name before dumping");
    }

    @Test
    void nameMayComeFromTheTreeAndTheOperandWins() {
        assertEquals("vmx", run("-o", "name=vmx").get("name"));
        ConfigTree t = run("-o", "name=vmx", "-H", "vm1");
        assertEquals("vm1", t.get("name"));
        assertTrue(t.dump().endsWith("x86.vmexit_on_hlt=true\nlpc.fwcfg=bhyve\nname=vm1\n"), t.dump());
    }

    @Test
    void helpStopsParsingWhereItStands() {
        assertInstanceOf(Invocation.Usage.class, BhyveOptions.parse(new String[] {"-h"}));
        assertInstanceOf(Invocation.Usage.class, BhyveOptions.parse(new String[] {"-A", "-h", "-Z", "a", "b"}));
        assertEquals("illegal option -- Z", optionError(1, "-Z", "-h").getMessage());
        assertInstanceOf(Invocation.ListPci.class, BhyveOptions.parse(new String[] {"-s", "help"}));
        assertInstanceOf(Invocation.ListPci.class, BhyveOptions.parse(new String[] {"-s", "he"}));
        assertInstanceOf(Invocation.ListPci.class, BhyveOptions.parse(new String[] {"-s", ""}));
        assertInstanceOf(Invocation.ListLpc.class, BhyveOptions.parse(new String[] {"-l", "help"}));
        assertInstanceOf(Invocation.ListLpc.class, BhyveOptions.parse(new String[] {"-lh"}));
        assertEquals("Invalid PCI slot info field \"helpme\"", fatal("-s", "helpme", "vm").getMessage());
    }

    @Test
    void topologyOption() {
        ConfigTree t = run("-c", "cpus=4,sockets=2,cores=2", "vm1");
        assertEquals(DEFAULTS + "cpus=4\nsockets=2\ncores=2\nname=vm1\n", t.dump());
        assertEquals(new Topology(4, 2, 2, 1), Topology.fromConfig(t));
        assertEquals(DEFAULTS + "sockets=1\ncores=1\nthreads=1\ncpus=1\nname=vm1\n", run("-c", "", "vm1").dump());
        assertEquals(new Topology(4, 2, 1, 2), Topology.fromConfig(run("-c", "sockets=2,threads=2", "vm1")));
        assertEquals("invalid cpu topology '2,maxcpus=4'", optionError(64, "-c", "2,maxcpus=4", "vm1").getMessage());
        assertEquals("Topology (4 sockets, 2 cores, 1 threads) does not match 4 vCPUs",
                fatal("-c", "4,cores=2", "vm1").getMessage());
        assertEquals("Invalid value for cpus: ''", fatal("-c", "2,", "vm1").getMessage());
        assertEquals("Computed number of vCPUs too high: 90000",
                fatal("-c", "sockets=300,cores=300", "vm1").getMessage());
    }

    @Test
    void memoryIsCheckedAfterTheDump() {
        assertEquals("invalid memsize '12Q'", optionError(64, "-m", "12Q", "vm1").getMessage());
        assertEquals(DEFAULTS.replace("256M", "12Q") + "config.dump=true\nname=vm1\n",
                dumpOf("-m", "12Q", "-o", "config.dump=true", "vm1"));
        assertEquals("invalid memsize '0': no memory", fatal("-m", "0", "vm1").getMessage());
    }

    @Test
    void gdbOption() {
        assertEquals(DEFAULTS + "gdb.wait=true\ngdb.address=127.0.0.1\ngdb.port=1234\nname=vm1\n",
                run("-G", "w127.0.0.1:1234", "vm1").dump());
        assertEquals(DEFAULTS + "gdb.port=1234\nname=vm1\n", run("-G1234", "vm1").dump());
        ConfigTree t = run("-G", "[::1]:99", "vm1");
        assertEquals("[::1]", t.get("gdb.address"));
        assertEquals("99", t.get("gdb.port"));
        assertNull(t.get("gdb.wait"));
    }

    @Test
    void configOption() {
        assertEquals("c", run("-o", "a.b=c", "vm1").get("a.b"));
        assertEquals("x=y", run("-o", "a=x=y", "vm1").get("a"));
        assertEquals("invalid configuration option 'a='", optionError(64, "-o", "a=", "vm1").getMessage());
        assertEquals("invalid configuration option 'a'", optionError(64, "-o", "a", "vm1").getMessage());
        fatal("-o", "=x", "vm1");
        fatal("-o", "memory=1G", "vm1"); // memory is a node
        fatal("-o", "memory.size.x=1", "vm1"); // memory.size is a variable
    }

    @Test
    void referencesThroughDashO() {
        ConfigTree t = run("-o", "dir=/srv/%(name)", "-s", "3,virtio-blk,%(dir)/disk.img", "vm1");
        assertEquals("%(dir)/disk.img", t.raw("pci.0.3.0.path"));
        assertEquals("/srv/vm1/disk.img", t.get("pci.0.3.0.path"));
        assertTrue(t.dump().contains("pci.0.3.0.path=%(dir)/disk.img\n"), "dump shows values as set");
        assertEquals("vmx", run("-o", "n=vmx", "-o", "name=%(n)").get("name"));
    }

    @Test
    void pinningAccumulates() {
        ConfigTree t = run("-c", "2", "-p", "0:1", "-p", "1:2", "-p", "0:3", "vm1");
        assertEquals(DEFAULTS + "cpus=2\nvcpu.0.cpuset=1,3\nvcpu.1.cpuset=2\nname=vm1\n", t.dump(),
                "a re-set variable moves to the end of its own node only");
        assertEquals("invalid vcpu pinning configuration 'x': invalid format: x",
                optionError(64, "-p", "x", "vm1").getMessage());
        assertEquals("invalid vcpu pinning configuration '-1:2': invalid vcpu '-1'",
                optionError(64, "-p", "-1:2", "vm1").getMessage());
        assertEquals("invalid vcpu pinning configuration '0:1024': hostcpu '1024' outside valid range from 0 to 1023",
                optionError(64, "-p", "0:1024", "vm1").getMessage());
        assertEquals("Invalid hostcpu range 3-1", fatal("-o", "vcpu.0.cpuset=3-1", "vm1").getMessage());
        // bhyve only looks at the cpusets of vCPUs that exist
        run("-o", "vcpu.5.cpuset=garbage", "vm1");
    }

    @Test
    void uuidIsCheckedBeforeRunning() {
        assertEquals("6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                run("-U", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "vm1").get("uuid"));
        assertEquals("Invalid UUID 'xyz'", fatal("-U", "xyz", "vm1").getMessage());
        assertTrue(dumpOf("-U", "xyz", "-o", "config.dump=1", "vm1").contains("uuid=xyz\n"));
    }

    @Test
    void keyboardLayoutRestoreAndUnsupportedFwcfgFiles() {
        assertEquals("de_noacc", run("-K", "de_noacc", "vm1").get("keyboard.layout"));
        Invocation.Run r = assertInstanceOf(Invocation.Run.class, BhyveOptions.parse(new String[] {"-r", "/snap/vm1.ckp"}));
        assertEquals(Optional.of("/snap/vm1.ckp"), r.restoreFile());
        assertNull(r.tree().get("name"), "the name comes from the snapshot");
        assertEquals(Optional.empty(), ((Invocation.Run) BhyveOptions.parse(new String[] {"vm1"})).restoreFile());
        assertTrue(fatal("-f", "name=opt/x,string=y", "vm1").getMessage().contains("-f"));
    }

    @Test
    void lpcMayOnlyBeOnBusZeroAndOnlyOnce() {
        assertEquals("Only one LPC bridge is allowed.", fatal("-s", "31,lpc", "-s", "1,lpc", "vm1").getMessage());
        assertEquals("LPC bridge can be present only on bus 0.", fatal("-s", "1:0:0,lpc", "vm1").getMessage());
        assertEquals("lpc", run("-s", "0:31:0,lpc", "vm1").get("pci.0.31.0.device"));
        dumpOf("-s", "31,lpc", "-s", "1,lpc", "-o", "config.dump=yes", "vm1");
    }

    @Test
    void dumpOfATypicalCommandLine() {
        String dump = dumpOf("-c", "2", "-m", "1G", "-H", "-w",
                "-s", "0,hostbridge", "-s", "3,ahci-cd,/iso/install.iso",
                "-s", "4,virtio-blk,/vm/disk.img,nocache", "-s", "5,virtio-net,tap0,mac=00:a0:98:11:22:33",
                "-s", "29,fbuf,tcp=0.0.0.0:5900,w=800,h=600,wait", "-s", "30,xhci,tablet", "-s", "31,lpc",
                "-l", "com1,stdio", "-l", "bootrom,/fw/BHYVE_UEFI.fd,/vm/vars.fd,fwcfg=qemu",
                "-o", "config.dump=true", "uefivm");
        assertEquals(lines(
                "acpi_tables=true",
                "acpi_tables_in_memory=true",
                "memory.size=1G",
                "x86.vmexit_on_hlt=true",
                "x86.strictmsr=false",
                "lpc.com1.path=stdio",
                "lpc.bootrom=/fw/BHYVE_UEFI.fd",
                "lpc.bootvars=/vm/vars.fd",
                "lpc.fwcfg=qemu",
                "cpus=2",
                "pci.0.0.0.device=hostbridge",
                "pci.0.3.0.device=ahci",
                "pci.0.3.0.port.0.type=cd",
                "pci.0.3.0.port.0.path=/iso/install.iso",
                "pci.0.4.0.device=virtio-blk",
                "pci.0.4.0.path=/vm/disk.img",
                "pci.0.4.0.nocache=true",
                "pci.0.5.0.device=virtio-net",
                "pci.0.5.0.backend=tap0",
                "pci.0.5.0.mac=00:a0:98:11:22:33",
                "pci.0.29.0.device=fbuf",
                "pci.0.29.0.tcp=0.0.0.0:5900",
                "pci.0.29.0.w=800",
                "pci.0.29.0.h=600",
                "pci.0.29.0.wait=true",
                "pci.0.30.0.device=xhci",
                "pci.0.30.0.slot.1.device=tablet",
                "pci.0.31.0.device=lpc",
                "config.dump=true",
                "name=uefivm"), dump);
        assertEquals(1, BhyveOptions.DUMP_EXIT_STATUS);
    }

    @Test
    void theDumpExampleInTheDocumentation() {
        assertEquals(lines(
                "acpi_tables=true",
                "acpi_tables_in_memory=true",
                "memory.size=256M",
                "x86.strictmsr=true",
                "x86.vmexit_on_hlt=true",
                "lpc.fwcfg=bhyve",
                "config.dump=true",
                "name=vm1"), dumpOf("-H", "-o", "config.dump=true", "vm1"));
    }

    @Test
    void dumpNeedsAValidBoolean() {
        ConfigException e = fatal("-o", "config.dump=maybe", "vm1");
        assertTrue(e.getMessage().contains("config.dump"), e.getMessage());
        assertInstanceOf(Invocation.Run.class, BhyveOptions.parse(new String[] {"-o", "config.dump=off", "vm1"}));
    }

    @Test
    void usageTextCarriesTheProgramName() {
        String u = BhyveOptions.usage("jhyve");
        assertTrue(u.startsWith("Usage: jhyve [-aCDeHhPSuWwxY]\n"
                + "             [-c [[cpus=]numcpus][,sockets=n][,cores=n][,threads=n]]\n"
                + "             [-G port] [-k config_file] [-l lpc] [-m mem] [-o var=value]\n"
                + "             [-p vcpu:hostcpu] [-r file] [-s pci] [-U uuid] vmname\n"), u);
        assertTrue(u.endsWith("       -Y: disable MPtable generation\n"), u);
        assertEquals(28, u.lines().count());
    }
}
