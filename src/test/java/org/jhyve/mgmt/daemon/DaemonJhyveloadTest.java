package org.jhyve.mgmt.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jhyve.KvmAvailable;
import org.jhyve.home.HomeState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jhyved with {@code --kernel-loader jhyveload}: a domain with {@code <os><kernel>} starts as
 * libvirt starts a bhyve guest, a loader line ({@code jhyveload -m MEM -k KERNEL -c CMDLINE NAME})
 * that fills the VM home, then jhyve attaching to it. Console, reboot through the ACPI power
 * button, a crash restart (which a stale home would refuse) and shutdown, with no home left.
 */
@Tag("kvm")
class DaemonJhyveloadTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    private static int count(String text, String what) { return text.split(java.util.regex.Pattern.quote(what), -1).length - 1; }

    @Test
    void aKernelDomainRunsThroughJhyveload() throws Exception {
        try (var h = new DaemonHarness(tmp)) {
            h.startDaemon("--kernel-loader", "jhyveload", "--jhyveload", h.bin.resolve("jhyveload").toString());
            h.define("loaded", DaemonHarness.guestXml("loaded", "sigterm", "<on_crash>restart</on_crash>"));
            h.ok("start", "loaded");
            h.await("sigterm: ready", 60, () -> h.consoleLog("loaded").contains("sigterm: ready"));
            var log = Files.readString(h.logs.resolve("loaded.log"));
            assertTrue(log.contains(h.bin.resolve("jhyveload") + " -m 64 -k " + DaemonHarness.kernel() + " -c sigterm loaded\n"), log);
            assertTrue(!log.contains("jhyve.kernel="), "jhyve attaches to what jhyveload loaded:\n" + log);
            var home = DaemonHarness.homes().home("loaded").requireStatus();
            assertEquals(HomeState.RUNNING, home.state(), home.line());
            assertEquals("jhyve", home.program());
            assertEquals(64L << 20, home.memorySize());

            // reboot: this guest enabled ACPI, so it sees the power button, powers off (exit 1),
            // and the daemon loads and starts it again (on_poweroff is destroy)
            long firstPid = h.jhyvePid("loaded");
            assertEquals("\"acpi\"\n", h.ok("reboot", "loaded", "--json").out());
            h.await("a second boot", 60, () -> count(h.consoleLog("loaded"), "sigterm: ready") == 2
                    && h.jhyvePid("loaded") != 0 && h.jhyvePid("loaded") != firstPid);
            assertTrue(h.consoleLog("loaded").contains("sigterm: power button"), h.consoleLog("loaded"));
            assertEquals("running (booted)", h.state("loaded"));

            // a crash: SIGKILL leaves a stale home, which jhyveload would refuse; the daemon removes it
            long secondPid = h.jhyvePid("loaded");
            ProcessHandle.of(secondPid).orElseThrow().destroyForcibly();
            h.await("a boot after the crash", 60, () -> count(h.consoleLog("loaded"), "sigterm: ready") == 3
                    && h.jhyvePid("loaded") != 0 && h.jhyvePid("loaded") != secondPid);
            log = Files.readString(h.logs.resolve("loaded.log"));
            assertEquals(3, count(log, " -m 64 -k " + DaemonHarness.kernel() + " -c sigterm loaded\n"), log);
            assertTrue(log.contains("domain ended (exit 137): crashed (crashed), starting it again"), log);
            assertTrue(log.contains("(stale, left by jhyve pid " + secondPid + ")"), log);

            // shutdown: the power button again, on_poweroff=destroy keeps it off, nothing is left
            h.ok("shutdown", "loaded");
            h.await("loaded shut off", 30, () -> h.state("loaded").startsWith("shut off"));
            assertEquals("shut off (shutdown)", h.state("loaded"));
            assertEquals(3, count(h.consoleLog("loaded"), "sigterm: ready"));
            h.assertNoHomesLeft();
        }
    }
}
