package org.jhyve.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.jhyve.it.TestGuest.assertExit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Command lines jhyve refuses, with bhyve's exit status: 1 plus the usage text for getopt-level
 * errors, 64 (EX_USAGE) for a malformed option value, 4 for everything else. All of them are
 * refused before /dev/kvm is opened, so these run on every host; none of them may start a guest.
 */
class CliRefusalTest {
    /** One refused command line: the status, a distinctive part of the message, whether usage follows. */
    record Refusal(String what, int status, String message, boolean usage, List<String> args) {
        @Override public String toString() { return what; }
    }

    /** A command line that would boot the test guest, plus extra; the refusal must come first. */
    static List<String> bootable(String... extra) {
        List<String> a = new ArrayList<>(List.of(extra));
        a.addAll(TestGuest.STANDARD_DEVICES);
        a.addAll(List.of("-o", "jhyve.kernel=" + TestGuest.kernel(), "-o", "jhyve.cmdline=poweroff", TestGuest.VM_NAME));
        return a;
    }

    static Stream<Refusal> refusals() {
        return Stream.of(
                new Refusal("unknown option", 1, "jhyve: illegal option -- Z", true, List.of("-Z", "vm")),
                new Refusal("option without its argument", 1, "jhyve: option requires an argument -- c", true, List.of("-c")),
                new Refusal("no vm name", 1, "jhyve: missing vmname", true, List.of("-c", "2")),
                new Refusal("two vm names", 1, "expected one vmname, got 2: a b", true, List.of("a", "b")),
                new Refusal("bad memory size", 64, "jhyve: invalid memsize '12Q'", false, List.of("-m", "12Q", "vm")),
                new Refusal("-o without a value", 64, "jhyve: invalid configuration option 'novalue'", false,
                        List.of("-o", "novalue", "vm")),
                new Refusal("bad pinning", 64, "invalid vcpu pinning configuration 'x'", false, List.of("-p", "x", "vm")),
                new Refusal("topology mismatch", 4, "does not match 4 vCPUs", false, List.of("-c", "cpus=4,sockets=3", "vm")),
                new Refusal("unimplemented PCI emulation", 4, "jhyve: pci 0:3:0: emulation 'hda' is not implemented in jhyve yet",
                        false, bootable("-s", "3,hda")),
                new Refusal("unknown PCI emulation", 4, "unknown device \"no-such-device\"", false,
                        bootable("-s", "3,no-such-device")),
                new Refusal("gdb server", 4, "GDB debug server (-G, gdb.port) is not implemented", false, bootable("-G", "1234")),
                new Refusal("snapshot restore", 4, "restoring snapshots (-r) is not implemented", false, bootable("-r", "file")),
                new Refusal("boot ROM", 4, "boot ROMs (-l bootrom, lpc.bootrom) are not implemented", false,
                        bootable("-l", "bootrom,x.fd")),
                new Refusal("no kernel", 4, "jhyve: VM 'vm' cannot be booted: no kernel was loaded", false,
                        List.of("-s", "0,hostbridge", "-s", "1,lpc", "-l", "com1,stdio", "vm")),
                new Refusal("kernel file missing", 4, "cannot read kernel /nonexistent-jhyve-it/k.elf: No such file or directory",
                        false, List.of("-o", "jhyve.kernel=/nonexistent-jhyve-it/k.elf", "vm")),
                new Refusal("bad boolean", 4, "jhyve: invalid boolean value for x86.strictio: 'maybe'", false,
                        bootable("-o", "x86.strictio=maybe")),
                new Refusal("second LPC bridge", 4, "jhyve: Only one LPC bridge is allowed.", false, bootable("-s", "2,lpc")),
                new Refusal("LPC off bus 0", 4, "jhyve: LPC bridge can be present only on bus 0.", false,
                        List.of("-s", "0,hostbridge", "-s", "1:2:0,lpc", "vm")),
                new Refusal("two devices in one slot", 4, "jhyve: pci slot 0:1:0 already occupied!", false,
                        bootable("-s", "1,hostbridge")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refused(Refusal c) {
        JhyveProcess.Result r = JhyveProcess.run(c.args());
        assertExit(c.status(), r);
        assertTrue(r.stderr().contains(c.message()), "stderr should contain '" + c.message() + "'\n" + r.describe());
        assertEquals(c.usage(), r.stderr().contains(CliTest.USAGE_FIRST_LINE), "usage text shown\n" + r.describe());
        assertEquals("", r.stdout(), "no guest output\n" + r.describe());
    }

    @Test
    void nonElfKernelIsRefused(@TempDir Path dir) throws IOException {
        Path notElf = dir.resolve("kernel.bin");
        Files.write(notElf, new byte[] {'M', 'Z', 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        JhyveProcess.Result r = JhyveProcess.run("-s", "0,hostbridge", "-s", "1,lpc", "-o", "jhyve.kernel=" + notElf, "vm");
        assertExit(4, r);
        assertTrue(r.stderr().contains("jhyve: " + notElf + ": not a kernel: neither a Linux bzImage nor an ELF file"), r.describe());
        assertEquals("", r.stdout(), r.describe());
    }
}
