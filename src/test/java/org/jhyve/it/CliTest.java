package org.jhyve.it;

import org.jhyve.devices.DeviceRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.jhyve.it.TestGuest.assertExit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jhyve command itself, without a guest: help, the device listings, config.dump and -k. These
 * never open /dev/kvm, so they run on every host.
 */
class CliTest {
    static final String USAGE_FIRST_LINE = "Usage: jhyve [-aCDeHhPSuWwxY]";
    static final String NOT_IMPLEMENTED = " (not implemented in jhyve yet)";

    @Test
    void helpPrintsUsageOnStderrAndExitsZero() {
        JhyveProcess.Result r = JhyveProcess.run("-h");
        assertExit(0, r);
        assertEquals("", r.stdout(), r.describe());
        List<String> err = r.stderrLines();
        assertEquals(USAGE_FIRST_LINE, err.getFirst(), r.describe());
        assertTrue(err.contains("       -s: <slot,driver,configinfo> PCI slot config"), r.describe());
        assertTrue(err.contains("       -x: local APIC is in x2APIC mode"), r.describe());
    }

    @Test
    void pciHelpListsEmulationsAndMarksMissingOnes() {
        JhyveProcess.Result r = JhyveProcess.run("-s", "help");
        assertExit(0, r);
        List<String> lines = r.lines();
        for (String implemented : List.of("hostbridge", "amd_hostbridge", "lpc")) {
            assertTrue(lines.contains(implemented), implemented + " listed as implemented\n" + r.describe());
        }
        // every bhyve emulation once, marked exactly when the registry jhyve runs with lacks it
        DeviceRegistry registry = DeviceRegistry.standard();
        for (String name : DeviceRegistry.BHYVE_PCI) {
            String expected = registry.isImplemented(name) ? name : name + NOT_IMPLEMENTED;
            assertEquals(1, lines.stream().filter(expected::equals).count(), "line '" + expected + "'\n" + r.describe());
        }
        assertEquals(lines.size(), lines.stream().map(l -> l.replace(NOT_IMPLEMENTED, "")).distinct().count(), r.describe());
        assertEquals("", r.stderr(), r.describe());
    }

    @Test
    void lpcHelpListsComPortsAndMarksBootrom() {
        JhyveProcess.Result r = JhyveProcess.run("-l", "help");
        assertExit(0, r);
        assertEquals(List.of("bootrom" + NOT_IMPLEMENTED, "com1", "com2", "com3", "com4", "pc-testdev"), r.lines(), r.describe());
    }

    @Test
    void configDumpPrintsTheWholeTreeAndExitsOne() {
        JhyveProcess.Result r = JhyveProcess.run("-c", "2", "-m", "512M", "-A", "-H", "-P", "-u", "-w", "-x", "-S", "-C",
                "-D", "-Y", "-W", "-U", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "-p", "1:0",
                "-s", "0,hostbridge", "-s", "1,lpc", "-s", "2,virtio-blk,/tmp/disk.img,ro", "-s", "3,virtio-net,tap0",
                "-l", "com1,stdio", "-l", "com2,/dev/nmdm0A", "-o", "config.dump=true", "vm");
        assertExit(1, r);
        // bhyve's order: depth first, a node's children in the order they were last set
        assertEquals(List.of(
                "acpi_tables=true",
                "acpi_tables_in_memory=true",
                "memory.size=512M",
                "memory.wired=true",
                "memory.guest_in_core=true",
                "x86.vmexit_on_hlt=true",
                "x86.vmexit_on_pause=true",
                "x86.strictmsr=false",
                "x86.x2apic=true",
                "x86.mptable=false",
                "lpc.fwcfg=bhyve",
                "lpc.com1.path=stdio",
                "lpc.com2.path=/dev/nmdm0A",
                "cpus=2",
                "rtc.use_localtime=false",
                "destroy_on_poweroff=true",
                "virtio_msix=false",
                "uuid=6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                "vcpu.1.cpuset=0",
                "pci.0.0.0.device=hostbridge",
                "pci.0.1.0.device=lpc",
                "pci.0.2.0.device=virtio-blk",
                "pci.0.2.0.path=/tmp/disk.img",
                "pci.0.2.0.ro=true",
                "pci.0.3.0.device=virtio-net",
                "pci.0.3.0.backend=tap0",
                "config.dump=true",
                "name=vm"), r.lines(), r.describe());
        assertEquals("", r.stderr(), r.describe());
    }

    @Test
    void configFileIsLoadedAtItsPositionAmongTheOptions(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("vm.conf");
        Files.writeString(conf, "# a comment\n\nname=fromfile\nmemory.size=1G\ncpus=2\nlpc.com1.path=stdio\n");
        // -c before -k is overridden by the file; -m after -k overrides it
        JhyveProcess.Result r = JhyveProcess.run("-c", "4", "-k", conf.toString(), "-m", "2G", "-o", "config.dump=true");
        assertExit(1, r);
        List<String> lines = r.lines();
        assertTrue(lines.contains("name=fromfile"), r.describe());
        assertTrue(lines.contains("cpus=2"), r.describe());
        assertTrue(lines.contains("memory.size=2G"), r.describe());
        assertTrue(lines.contains("lpc.com1.path=stdio"), r.describe());
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("#") || l.isEmpty()), r.describe());
    }

    @Test
    void badConfigFileLineIsNamedWithFileAndLine(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "# line 1\nmemory.size=1G\n\nno equals sign here\n");
        JhyveProcess.Result r = JhyveProcess.run("-k", conf.toString(), "vm");
        assertExit(4, r);
        assertEquals("jhyve: " + conf + " line 4: invalid config option 'no equals sign here'", r.stderr().strip(), r.describe());
        assertEquals("", r.stdout(), r.describe());
    }

    @Test
    void missingConfigFileIsAnError(@TempDir Path dir) {
        Path conf = dir.resolve("absent.conf");
        JhyveProcess.Result r = JhyveProcess.run("-k", conf.toString(), "vm");
        assertExit(4, r);
        assertTrue(r.stderr().contains("Failed to open configuration file " + conf), r.describe());
    }

    /** config.dump shows values as set; the kernel path is read through %() expansion. */
    @Test
    void percentExpansionThroughOptions() {
        JhyveProcess.Result dump = JhyveProcess.run("-o", "dir=/nonexistent-jhyve-it", "-o", "jhyve.kernel=%(dir)/k.elf",
                "-o", "config.dump=true", "vm");
        assertExit(1, dump);
        assertTrue(dump.lines().contains("jhyve.kernel=%(dir)/k.elf"), dump.describe());

        JhyveProcess.Result run = JhyveProcess.run("-o", "dir=/nonexistent-jhyve-it", "-o", "jhyve.kernel=%(dir)/k.elf", "vm");
        assertExit(4, run);
        assertTrue(run.stderr().contains("cannot read kernel /nonexistent-jhyve-it/k.elf: No such file or directory"), run.describe());
    }
}
