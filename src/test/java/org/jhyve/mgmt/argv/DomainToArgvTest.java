package org.jhyve.mgmt.argv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jhyve.mgmt.TestCases;
import org.jhyve.mgmt.xml.DomainXmlException;
import org.jhyve.mgmt.xml.DomainXmlParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cases in argv/: NAME.xml in; NAME.args (jhyve), NAME.ldargs (loader, absent when a boot ROM
 * loads the guest) and NAME.devmap (grub) out, one argument per line as in libvirt's test data.
 * Cases in argv-errors/: NAME.xml in, NAME.err the exact message.
 */
class DomainToArgvTest {
    private static final String FIRMWARE = TestCases.dir("firmware").toString();

    static ConversionOptions options() {
        var port = new AtomicInteger(5900);
        return new ConversionOptions("jhyve", "jhyveload", Path.of(FIRMWARE), Path.of("fakenvramdir"),
                Path.of("fakestatedir"), n -> "tap0", port::getAndIncrement,
                () -> "c7a5fdbd-edaf-9455-926a-d65c16db1809", () -> "52:54:00:00:00:00",
                (pool, vol) -> "/dev/zvol/" + pool + "/" + vol);
    }

    static List<String> cases() { return TestCases.names("argv", ".xml"); }

    static List<String> errorCases() { return TestCases.names("argv-errors", ".xml"); }

    private static List<String> lines(String text) {
        return text.lines().filter(l -> !l.isEmpty()).toList();
    }

    private static List<String> fake(List<String> args) {
        return args.stream().map(a -> a.replace(FIRMWARE, "fakefirmwaredir")).toList();
    }

    @Test
    void thereAreCases() {
        assertTrue(cases().size() >= 40, "cases: " + cases());
        assertTrue(errorCases().size() >= 30, "error cases: " + errorCases());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void convertsLikeLibvirt(String name) throws Exception {
        var domain = DomainXmlParser.parse(TestCases.read("argv", name + ".xml"));
        var out = DomainToArgv.convert(domain, options());
        if (Boolean.getBoolean("jhyve.regen")) regenerate(name, out);
        assertEquals(lines(TestCases.read("argv", name + ".args")), fake(out.jhyve()), name + ".args");
        if (TestCases.exists("argv", name + ".ldargs")) {
            assertEquals(lines(TestCases.read("argv", name + ".ldargs")), fake(out.loader()), name + ".ldargs");
        } else {
            assertEquals(List.of(), out.loader(), name + " has no loader line");
        }
        if (TestCases.exists("argv", name + ".devmap")) {
            assertEquals(TestCases.read("argv", name + ".devmap"), out.deviceMap());
            assertEquals("fakestatedir/grub_bhyve-" + domain.name() + "-device.map", out.deviceMapPath());
        } else {
            assertNull(out.deviceMap());
        }
    }

    /** Writes the outputs next to the sources, for review, when run with -Djhyve.regen=true. */
    private static void regenerate(String name, NativeCommands out) throws IOException {
        var dir = Path.of("src/test/resources/org/jhyve/mgmt/argv");
        Files.writeString(dir.resolve(name + ".args"), String.join("\n", fake(out.jhyve())) + "\n");
        if (!out.loader().isEmpty()) Files.writeString(dir.resolve(name + ".ldargs"), String.join("\n", fake(out.loader())) + "\n");
        if (out.deviceMap() != null) Files.writeString(dir.resolve(name + ".devmap"), out.deviceMap());
    }

    @ParameterizedTest
    @MethodSource("errorCases")
    void refusesWithLibvirtStyleMessage(String name) throws Exception {
        var domain = DomainXmlParser.parse(TestCases.read("argv-errors", name + ".xml"));
        var e = assertThrows(DomainXmlException.class, () -> DomainToArgv.convert(domain, options()));
        var expected = TestCases.read("argv-errors", name + ".err").strip();
        if (Boolean.getBoolean("jhyve.regen") && !expected.equals(e.getMessage())) {
            System.err.println("MISMATCH " + name + ": " + e.getMessage());
        }
        assertEquals(expected, e.getMessage());
    }

    @Test
    void dryRunNamesEveryNicTap0AndPrintsLoaderThenJhyve() throws Exception {
        var domain = DomainXmlParser.parse(TestCases.read("argv", "base.xml"));
        var text = DomainToArgv.convert(domain, ConversionOptions.dryRun()).toText();
        assertEquals("""
                jhyveload -m 214 -d /tmp/freebsd.img bhyve
                jhyve -c 1 -m 214 -u -H -P -s 0:0,hostbridge -s 2:0,ahci,hd:/tmp/freebsd.img \
                -s 3:0,virtio-net,tap0,mac=52:54:00:b9:94:02 bhyve
                """, text);
    }

    @Test
    void directKernelThroughJhyveloadAndPtyConsoles() throws Exception {
        var domain = DomainXmlParser.parse(TestCases.read("argv", "direct-kernel.xml"));
        var o = options().withKernelBoot(ConversionOptions.KernelBoot.JHYVELOAD).withPtyConsoles(true)
                .withPrograms("/opt/jhyve/bin/jhyve", "/opt/jhyve/bin/jhyveload");
        var out = DomainToArgv.convert(domain, o);
        assertEquals(List.of("/opt/jhyve/bin/jhyveload", "-m", "128", "-k", "/srv/guests/vmlinuz", "-i",
                "/srv/guests/initrd.img", "-c", "console=ttyS0 quiet", "direct"), out.loader());
        assertEquals("/opt/jhyve/bin/jhyve", out.jhyve().getFirst());
        assertFalse(out.jhyve().stream().anyMatch(a -> a.startsWith("jhyve.")), "no -o jhyve.kernel: " + out.jhyve());
        assertTrue(out.jhyve().contains("com1,autopty"), out.jhyve().toString());
        var back = ArgvToDomain.parse(out.toText(), () -> "c7a5fdbd-edaf-9455-926a-d65c16db1809").domain();
        assertEquals(domain.os().kernel(), back.os().kernel());
        assertEquals(domain.os().initrd(), back.os().initrd());
        assertEquals(domain.os().cmdline(), back.os().cmdline());
    }

    @Test
    void shellQuotingSurvivesSplitting() {
        var args = List.of("jhyve", "-o", "board.version=0B98401 Pro", "-o", "x='y'", "plain");
        var line = ShellWords.join(args);
        assertEquals("jhyve -o 'board.version=0B98401 Pro' -o 'x='\\''y'\\''' plain", line);
        assertEquals(args, ShellWords.split(line));
    }

    @Test
    void efiWithoutFirmwareIsRefused(@TempDir Path empty) throws Exception {
        var domain = DomainXmlParser.parse(TestCases.read("argv", "firmware-efi-bootorder.xml"));
        var o = options().withDirs(empty, Path.of("n"), Path.of("s"));
        var e = assertThrows(DomainXmlException.class, () -> DomainToArgv.convert(domain, o));
        assertEquals("unsupported configuration: no UEFI firmware (*.fd) found in " + empty + " for <os firmware='efi'>",
                e.getMessage());
    }

    @Test
    void efiFallsBackToAnyFirmwareFile(@TempDir Path dir) throws Exception {
        Files.createFile(dir.resolve("OVMF_VARS.fd"));
        Files.createFile(dir.resolve("edk2-x86_64-code.fd"));
        var domain = DomainXmlParser.parse(TestCases.read("argv", "firmware-efi-bootorder.xml"));
        var out = DomainToArgv.convert(domain, options().withDirs(dir, Path.of("n"), Path.of("s")));
        var rom = out.jhyve().get(out.jhyve().indexOf("-l") + 1);
        assertEquals("bootrom," + dir.resolve("edk2-x86_64-code.fd") + ",n/bhyve_VARS.fd,fwcfg=qemu", rom);
    }

    @Test
    void volumesNeedAConfiguredPool() throws Exception {
        var domain = DomainXmlParser.parse(TestCases.read("argv", "disk-volume.xml"));
        var e = assertThrows(DomainXmlException.class, () -> DomainToArgv.convert(domain, ConversionOptions.dryRun()));
        assertEquals("unsupported configuration: cannot resolve volume 'vol1' in storage pool 'zfspool': "
                + "no storage pools are configured", e.getMessage());
    }

    @Test
    void cpusetSyntax() throws Exception {
        assertEquals(List.of(0, 1, 3, 6), new ArrayList<>(CpuSet.parse("0-3,^2,6")));
        assertThrows(DomainXmlException.class, () -> CpuSet.parse("3-1"));
        assertThrows(DomainXmlException.class, () -> CpuSet.parse("1,^1"));
        assertFalse(CpuSet.parse("7").isEmpty());
    }
}
