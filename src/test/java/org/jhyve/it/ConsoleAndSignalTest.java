package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.jhyve.it.TestGuest.assertExit;
import static org.jhyve.it.TestGuest.assertLine;
import static org.jhyve.it.TestGuest.assertNoFailure;
import static org.jhyve.it.TestGuest.assertOrder;
import static org.jhyve.it.TestGuest.assertStarted;
import static org.jhyve.it.TestGuest.linesStarting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * COM1 on stdio in both directions, and SIGTERM: the ACPI power button once the guest has enabled
 * ACPI, ignored (with a message) before that.
 */
@Tag("kvm")
class ConsoleAndSignalTest {
    static final String IGNORED = "the guest has not enabled ACPI, so the power button is ignored";

    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    @Test
    void typedLinesAreEchoedAndQuitPowersOff() {
        try (JhyveProcess p = TestGuest.mode("echo").start()) {
            p.awaitStdout("echo: ready");
            p.type("hello world\n");
            p.awaitStdout("echo: hello world");
            // CR ends a line too, as a terminal in raw mode sends it
            p.type("second line\r");
            p.awaitStdout("echo: second line");
            p.type("quit\n");
            JhyveProcess.Result r = p.await();
            assertExit(1, r);
            assertStarted(r, "echo");
            assertNoFailure(r);
            assertEquals(List.of("echo: ready", "echo: hello world", "echo: second line", "echo: quit"),
                    linesStarting(r, "echo: "), r.describe());
            assertEquals(GuestModesTest.POWEROFF_LINE, r.lines().getLast(), r.describe());
        }
    }

    /** The echo guest waits for input halted on COM1's interrupt: idle, it makes no exits. */
    @Test
    void aGuestWaitingForInputIsIdle() throws InterruptedException {
        List<String> args = new java.util.ArrayList<>(TestGuest.mode("echo").args());
        args.set(args.size() - 1, "idle");
        NamedVmTest.ctl("--vm=idle", "--destroy");
        try (JhyveProcess p = JhyveProcess.start(org.jhyve.cli.Jhyve.class.getName(), args)) {
            p.awaitStdout("echo: ready");
            p.type("once\n");
            p.awaitStdout("echo: once");
            long before = portIoExits("idle");
            Thread.sleep(500);
            long after = portIoExits("idle");
            // polling the line status register would be thousands of exits in that time
            assertTrue(after - before < 20, "port I/O exits of an idle guest in 0.5 s: " + (after - before));
            p.type("again\n");
            p.awaitStdout("echo: again");
            p.type("quit\n");
            assertExit(1, p.await());
        }
    }

    private static long portIoExits(String vm) {
        JhyveProcess.Result r = NamedVmTest.ctl("--vm=" + vm, "--get-stats");
        assertEquals(0, r.exitCode(), r.describe());
        return r.lines().stream().filter(l -> l.startsWith("vm exits due to port I/O"))
                .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf('\t') + 1).strip())).findFirst()
                .orElseThrow(() -> new AssertionError("no port I/O line\n" + r.describe()));
    }

    @Test
    void sigtermPressesThePowerButton() {
        try (JhyveProcess p = TestGuest.mode("sigterm").start()) {
            p.closeStdin();
            p.awaitStdout("sigterm: ready");
            p.sigterm();
            JhyveProcess.Result r = p.await();
            assertExit(1, r);
            assertNoFailure(r);
            assertOrder(r, "sigterm: ready", "sigterm: power button");
            assertEquals(GuestModesTest.POWEROFF_LINE, r.lines().getLast(), r.describe());
            assertTrue(r.stderr().isBlank(), "nothing on stderr for a normal power-off\n" + r.describe());
        }
    }

    @Test
    void sigtermBeforeAcpiIsEnabledIsIgnoredAndTheGuestRunsOn() {
        try (JhyveProcess p = TestGuest.mode("echo").start()) {
            p.awaitStdout("echo: ready");
            p.sigterm();
            p.awaitStderrContaining(IGNORED);
            p.type("still running\n");
            p.awaitStdout("echo: still running");
            p.type("quit\n");
            JhyveProcess.Result r = p.await();
            assertExit(1, r);
            assertNoFailure(r);
            assertLine(r, "echo: quit");
            assertTrue(r.stderrLines().stream().anyMatch(l -> l.startsWith("jhyve: SIGTERM: ") && l.contains(IGNORED)), r.describe());
        }
    }
}
