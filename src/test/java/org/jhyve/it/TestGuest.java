package org.jhyve.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Command lines that boot guests/build/testguest.elf (see guests/README.md) in one of its modes,
 * and checks on the lines it prints on COM1. By default the machine is bhyve's usual one:
 * hostbridge in slot 0, LPC in slot 1, COM1 on stdio.
 */
final class TestGuest {
    static final String VM_NAME = "it";
    static final List<String> STANDARD_DEVICES = List.of("-s", "0,hostbridge", "-s", "1,lpc", "-l", "com1,stdio");

    private final String mode;
    private final List<String> devices;
    private final List<String> options;

    private TestGuest(String mode, List<String> devices, List<String> options) {
        this.mode = mode;
        this.devices = devices;
        this.options = options;
    }

    /** The test guest in mode (a guests/README.md mode word), standard devices, no options. */
    static TestGuest mode(String mode) {
        return new TestGuest(mode, STANDARD_DEVICES, List.of());
    }

    /** Replaces the standard -s/-l arguments. */
    TestGuest devices(String... args) {
        return new TestGuest(mode, List.of(args), options);
    }

    /** Adds options (before the devices, as a user would write them). */
    TestGuest with(String... args) {
        List<String> o = new ArrayList<>(options);
        o.addAll(List.of(args));
        return new TestGuest(mode, devices, o);
    }

    List<String> args() {
        List<String> a = new ArrayList<>(options);
        a.addAll(devices);
        a.addAll(List.of("-o", "jhyve.kernel=" + kernel(), "-o", "jhyve.cmdline=" + mode, VM_NAME));
        return a;
    }

    /**
     * Boots the guest to its end with an empty stdin, and checks the common start lines, the
     * absence of FAIL lines and a silent stderr (jhyve has nothing to complain about in these runs).
     */
    JhyveProcess.Result run() {
        JhyveProcess.Result r = JhyveProcess.run(args());
        assertStarted(r, mode);
        assertNoFailure(r);
        assertEquals("", r.stderr(), "nothing on stderr\n" + r.describe());
        return r;
    }

    JhyveProcess start() {
        return JhyveProcess.start(args());
    }

    /** The guest image; the Maven build makes it (exec plugin, process-test-resources). */
    static Path kernel() {
        Path p = Path.of("guests", "build", "testguest.elf").toAbsolutePath();
        if (!Files.isRegularFile(p)) fail("test guest " + p + " is missing: build it with make -C guests (mvn test does)");
        return p;
    }

    static void assertStarted(JhyveProcess.Result r, String mode) {
        List<String> lines = r.lines();
        assertTrue(!lines.isEmpty() && lines.getFirst().equals("jhyve-testguest: start"),
                "the guest did not start\n" + r.describe());
        assertLine(r, "cmdline: " + mode);
        assertLine(r, "mode: " + mode);
    }

    static void assertNoFailure(JhyveProcess.Result r) {
        for (String l : r.lines()) {
            if (l.startsWith("FAIL") || l.startsWith("acpi: problem")) fail("the guest reported '" + l + "'\n" + r.describe());
        }
    }

    static void assertExit(int expected, JhyveProcess.Result r) {
        assertEquals(expected, r.exitCode(), "exit status\n" + r.describe());
    }

    static void assertLine(JhyveProcess.Result r, String line) {
        if (!r.lines().contains(line)) fail("missing output line '" + line + "'\n" + r.describe());
    }

    /** The lines starting with prefix, in order. */
    static List<String> linesStarting(JhyveProcess.Result r, String prefix) {
        return r.lines().stream().filter(l -> l.startsWith(prefix)).toList();
    }

    /** Asserts that line a comes before line b (both present). */
    static void assertOrder(JhyveProcess.Result r, String a, String b) {
        int ia = r.lines().indexOf(a), ib = r.lines().indexOf(b);
        assertTrue(ia >= 0 && ib >= 0 && ia < ib, "expected '" + a + "' before '" + b + "'\n" + r.describe());
    }
}
