package org.jhyve.mgmt.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * jhyved and jvirsh end to end with the test guest (guests/README.md): define, start, console,
 * shutdown through the ACPI power button, restart policies, a daemon restart while a VM runs,
 * and autostart.
 */
@Tag("kvm")
class DaemonEndToEndTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    @Test
    void defineStartConsoleAndPowerOff() throws Exception {
        try (var h = new DaemonHarness(tmp)) {
            h.startDaemon();
            h.define("echo1", DaemonHarness.guestXml("echo1", "echo", ""));
            assertEquals(" Id   Name    State\n--------------------\n -    echo1   shut off\n\n", h.ok("list", "--all").out());
            assertEquals("Domain 'echo1' started\n\n", h.ok("start", "echo1").out());
            assertTrue(h.ok("list").out().contains(" 1    echo1   running"), h.ok("list").out());
            var info = h.ok("dominfo", "echo1").out();
            assertTrue(info.contains("State:          running\n") && info.contains("Persistent:     yes\n"), info);
            var live = h.ok("dumpxml", "echo1").out();
            assertTrue(live.contains("<cmdline>echo</cmdline>"), live);
            h.await("echo: ready on the console", 30, () -> h.consoleLog("echo1").contains("echo: ready"));
            // typing on the console reaches the guest; its answer comes back; quit powers it off
            var r = h.virsh(DaemonHarness.input("hello jhyve\rquit\r"), "console", "echo1");
            assertEquals(0, r.status(), r.describe());
            assertTrue(r.out().contains("echo: hello jhyve"), r.describe());
            assertTrue(r.err().startsWith("Connected to domain 'echo1'"), r.describe());
            h.await("echo1 shut off", 30, () -> h.state("echo1").startsWith("shut off"));
            assertEquals("shut off (shutdown)", h.state("echo1"));
            assertTrue(h.consoleLog("echo1").contains("poweroff: method=pm1a_cnt"), h.consoleLog("echo1"));
            assertTrue(Files.readString(h.logs.resolve("echo1.log")).contains("domain ended (exit 1): shut off (shutdown)"));
            // a second console client is refused while one is attached, but that needs a running VM
            assertEquals(1, h.virsh("console", "echo1").status());
            assertEquals("error: Requested operation is not valid: domain is not running\n", h.virsh("console", "echo1").err());
            h.assertNoHomesLeft();
        }
    }

    @Test
    void shutdownPressesThePowerButton() throws Exception {
        try (var h = new DaemonHarness(tmp)) {
            h.startDaemon();
            h.define("button", DaemonHarness.guestXml("button", "sigterm", ""));
            h.ok("start", "button");
            h.await("sigterm: ready", 30, () -> h.consoleLog("button").contains("sigterm: ready"));
            // vcpupin pins jhyve's "vcpu 0" thread (live) and the definition (--config)
            h.ok("vcpupin", "button", "0", "0");
            assertEquals("[{\"vcpu\":0,\"cpuAffinity\":\"0\"}]\n", h.ok("vcpupin", "button", "--json").out());
            h.ok("vcpupin", "button", "0", "0", "--config");
            assertTrue(h.ok("dumpxml", "button", "--inactive").out().contains("<vcpupin vcpu='0' cpuset='0'/>"));
            assertEquals("Domain 'button' is being shutdown\n\n", h.ok("shutdown", "button").out());
            h.await("button shut off", 30, () -> h.state("button").startsWith("shut off"));
            assertEquals("shut off (shutdown)", h.state("button"));
            assertTrue(h.consoleLog("button").contains("sigterm: power button"), h.consoleLog("button"));
            h.assertNoHomesLeft();
        }
    }

    @Test
    void onPoweroffAndOnCrashRestartBringItBackAndDestroyStopsIt() throws Exception {
        try (var h = new DaemonHarness(tmp)) {
            h.startDaemon();
            h.define("phoenix", DaemonHarness.guestXml("phoenix", "echo",
                    "<on_poweroff>restart</on_poweroff><on_crash>restart</on_crash>"));
            h.ok("start", "phoenix");
            long firstPid = h.jhyvePid("phoenix");
            h.await("echo: ready", 30, () -> h.consoleLog("phoenix").contains("echo: ready"));
            h.virsh(DaemonHarness.input("quit\r"), "console", "phoenix");
            h.await("a second boot", 60, () -> h.consoleLog("phoenix").split("jhyve-testguest: start", -1).length == 3
                    && h.jhyvePid("phoenix") != 0 && h.jhyvePid("phoenix") != firstPid);
            assertEquals("running (booted)", h.state("phoenix"));
            assertTrue(h.ok("list").out().contains(" 2    phoenix   running"), h.ok("list").out());
            // while it runs, its home is there; killed, it leaves a stale home that would refuse the
            // name: the daemon removes it before the on_crash restart
            var home = DaemonHarness.homes().home("phoenix").requireStatus();
            assertEquals(HomeState.RUNNING, home.state(), home.line());
            assertEquals(1, DaemonHarness.ramFiles("phoenix").size());
            long secondPid = h.jhyvePid("phoenix");
            ProcessHandle.of(secondPid).orElseThrow().destroyForcibly();
            h.await("a boot after the crash", 60, () -> h.consoleLog("phoenix").split("jhyve-testguest: start", -1).length == 4
                    && h.jhyvePid("phoenix") != 0 && h.jhyvePid("phoenix") != secondPid);
            assertEquals("running (booted)", h.state("phoenix"));
            var log = Files.readString(h.logs.resolve("phoenix.log"));
            assertTrue(log.contains("domain ended (exit 137): crashed (crashed), starting it again"), log);
            assertTrue(log.contains("removed the VM home ") && log.contains("(stale, left by jhyve pid " + secondPid + ")"), log);
            assertEquals("Domain 'phoenix' destroyed\n\n", h.ok("destroy", "phoenix").out());
            assertEquals("shut off (destroyed)", h.state("phoenix"));
            Thread.sleep(500);
            assertEquals("shut off (destroyed)", h.state("phoenix"), "a destroyed domain is not restarted");
            h.assertNoHomesLeft();
        }
    }

    @Test
    void rebootWithoutAcpiResetsAndResetRestartsWhateverOnRebootSays() throws Exception {
        try (var h = new DaemonHarness(tmp)) {
            h.startDaemon();
            // the echo guest never enables ACPI, so the power button cannot reach it
            h.define("bouncer", DaemonHarness.guestXml("bouncer", "echo", "<on_reboot>destroy</on_reboot>"));
            h.ok("start", "bouncer");
            h.await("echo: ready", 30, () -> h.consoleLog("bouncer").contains("echo: ready"));
            var r = h.virsh("reboot", "bouncer", "--mode", "acpi");
            assertEquals(1, r.status(), r.describe());
            assertEquals("error: operation failed: domain 'bouncer' has not enabled ACPI, so it cannot see the power button"
                    + " (jvirsh reset bouncer resets it)\n", r.err());
            assertEquals("running (booted)", h.state("bouncer"));
            r = h.virsh("reboot", "bouncer", "--mode", "agent");
            assertEquals("error: Requested operation is not supported: reboot mode 'agent' (jhyve has only acpi)\n", r.err());
            // plain reboot: jhyve says the button is ignored, so the daemon resets it (jhyve exits 0)
            // and starts it again, although on_reboot says destroy
            long firstPid = h.jhyvePid("bouncer");
            r = h.ok("reboot", "bouncer");
            assertEquals("Domain 'bouncer' is being rebooted\n\n", r.out());
            assertEquals("warning: the guest has not enabled ACPI: it was reset instead\n", r.err());
            h.await("a second boot", 60, () -> h.consoleLog("bouncer").split("echo: ready", -1).length == 3
                    && h.jhyvePid("bouncer") != 0 && h.jhyvePid("bouncer") != firstPid);
            var log = Files.readString(h.logs.resolve("bouncer.log"));
            assertTrue(log.contains("reboot: the guest has not enabled ACPI; resetting it (jhyvectl --force-reset)"), log);
            assertTrue(log.contains("domain ended (exit 0): shut off (shutdown), starting it again"), log);
            long secondPid = h.jhyvePid("bouncer");
            assertEquals("Domain 'bouncer' was reset\n\n", h.ok("reset", "bouncer").out());
            h.await("a third boot", 60, () -> h.consoleLog("bouncer").split("echo: ready", -1).length == 4
                    && h.jhyvePid("bouncer") != 0 && h.jhyvePid("bouncer") != secondPid);
            assertEquals("running (booted)", h.state("bouncer"));
            // quit powers it off: on_poweroff (destroy) applies, the reboot requests are gone with their runs
            h.virsh(DaemonHarness.input("quit\r"), "console", "bouncer");
            h.await("bouncer shut off", 30, () -> h.state("bouncer").startsWith("shut off"));
            assertEquals("shut off (shutdown)", h.state("bouncer"));
            assertEquals("error: Requested operation is not valid: domain is not running\n", h.virsh("reset", "bouncer").err());
            h.assertNoHomesLeft();
        }
    }

    @Test
    void aRestartedDaemonReattachesAndLearnsWhatHappenedMeanwhile() throws Exception {
        try (var h = new DaemonHarness(tmp)) {
            h.startDaemon();
            h.define("keeper", DaemonHarness.guestXml("keeper", "sigterm", ""));
            h.define("lazarus", DaemonHarness.guestXml("lazarus", "sigterm", "<on_poweroff>restart</on_poweroff>"));
            h.ok("start", "keeper");
            h.ok("start", "lazarus");
            h.await("both ready", 30, () -> h.consoleLog("keeper").contains("sigterm: ready")
                    && h.consoleLog("lazarus").contains("sigterm: ready"));
            long keeperPid = h.jhyvePid("keeper"), lazarusPid = h.jhyvePid("lazarus");
            h.stopDaemon();
            assertTrue(ProcessHandle.of(keeperPid).isPresent(), "the VM outlives the daemon");
            // lazarus powers off while no daemon watches: the next daemon applies on_poweroff=restart
            ProcessHandle.of(lazarusPid).orElseThrow().destroy();
            h.await("lazarus' jhyve ends", 30, () -> ProcessHandle.of(lazarusPid).isEmpty());
            h.startDaemon();
            var list = h.ok("list").out();
            assertTrue(list.contains(" 1    keeper    running"), list);
            assertTrue(h.daemonLog().contains("re-attached domain keeper (id 1, jhyve pid " + keeperPid + ")"), h.daemonLog());
            h.await("lazarus restarted", 60, () -> h.jhyvePid("lazarus") != 0 && h.jhyvePid("lazarus") != lazarusPid
                    && h.consoleLog("lazarus").split("sigterm: ready", -1).length == 3);
            assertEquals("running (booted)", h.state("lazarus"));
            // the re-attached VM is fully managed: console output still flows, shutdown works
            h.ok("shutdown", "keeper");
            h.await("keeper shut off", 30, () -> h.state("keeper").startsWith("shut off"));
            assertEquals("shut off (shutdown)", h.state("keeper"));
            assertTrue(h.consoleLog("keeper").contains("sigterm: power button"), h.consoleLog("keeper"));
            h.ok("destroy", "lazarus");
            h.assertNoHomesLeft();
        }
    }

    @Test
    void autostartStartsMarkedDomainsWithTheDaemon() throws Exception {
        try (var h = new DaemonHarness(tmp)) {
            h.startDaemon();
            h.define("auto", DaemonHarness.guestXml("auto", "sigterm", ""));
            h.define("manual", DaemonHarness.guestXml("manual", "sigterm", ""));
            assertEquals("Domain 'auto' marked as autostarted\n\n", h.ok("autostart", "auto").out());
            assertTrue(h.ok("dominfo", "auto").out().contains("Autostart:      enable\n"));
            h.stopDaemon();
            h.startDaemon();
            h.await("auto running", 30, () -> h.state("auto").startsWith("running"));
            assertEquals("shut off (unknown)", h.state("manual"));
            h.ok("destroy", "auto");
            assertEquals("Domain 'auto' unmarked as autostarted\n\n", h.ok("autostart", "auto", "--disable").out());
            h.stopDaemon();
            h.startDaemon();
            Thread.sleep(300);
            assertEquals("shut off (unknown)", h.state("auto"));
            h.assertNoHomesLeft();
        }
    }

    @Test
    void createRunsATransientDomainThatVanishesWhenItStops() throws Exception {
        try (var h = new DaemonHarness(tmp)) {
            h.startDaemon();
            var f = tmp.resolve("t.xml");
            Files.writeString(f, DaemonHarness.guestXml("fleeting", "sigterm", ""));
            h.uses("fleeting");
            assertEquals("Domain 'fleeting' created from " + f + "\n\n", h.ok("create", f.toString()).out());
            assertTrue(h.ok("dominfo", "fleeting").out().contains("Persistent:     no\n"));
            h.ok("destroy", "fleeting");
            var r = h.virsh("domstate", "fleeting");
            assertEquals("error: failed to get domain 'fleeting'\n", r.err());
            assertEquals("", h.ok("list", "--all", "--name").out().strip());
            h.assertNoHomesLeft();
        }
    }
}
