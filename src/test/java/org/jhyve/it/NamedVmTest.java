package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two-step flow on real KVM: jhyveload prepares a named VM, jhyve attaches and runs it,
 * jhyvectl reaches it through its control socket; the VM's home shows each state.
 */
@Tag("kvm")
class NamedVmTest {
    static final String LOAD = "org.jhyve.cli.Jhyveload", CTL = "org.jhyve.cli.Jhyvectl";

    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    static JhyveProcess.Result ctl(String... args) { return JhyveProcess.runProgram(CTL, args); }

    static void load(String vm, String mode) {
        JhyveProcess.Result r = JhyveProcess.runProgram(LOAD, "-m", "128M", "-k", TestGuest.kernel().toString(), "-c", mode, vm);
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().startsWith("jhyveload: " + vm + ": PVH boot, 128M of memory"), r.describe());
    }

    static JhyveProcess attach(String vm, String... extra) {
        List<String> a = new ArrayList<>(List.of("-c", "2", "-m", "128M"));
        a.addAll(List.of(extra));
        a.addAll(TestGuest.STANDARD_DEVICES);
        a.add(vm);
        return JhyveProcess.start(org.jhyve.cli.Jhyve.class.getName(), a);
    }

    static Path home(String vm) { return JhyveProcess.vmmDir().resolve(vm); }

    static String listLine(String vm) {
        JhyveProcess.Result l = ctl("--list");
        assertEquals(0, l.exitCode(), l.describe());
        return l.lines().stream().filter(x -> x.startsWith(vm + " ")).findFirst().orElse("");
    }

    @Test
    void loadAttachInspectPowerOffThenRefuseARerun() {
        String vm = "named1";
        ctl("--vm=" + vm, "--destroy");
        load(vm, "sigterm");
        assertTrue(listLine(vm).matches(vm + " +loaded +128M"), listLine(vm));
        try (JhyveProcess p = attach(vm)) {
            p.awaitStdout("sigterm: ready");
            assertTrue(listLine(vm).matches(vm + " +running +128M +jhyve pid " + p.pid()), listLine(vm));
            JhyveProcess.Result regs = ctl("--vm=" + vm, "--get-rip", "--get-cr0", "--get-cs", "--get-active-cpus",
                    "--get-cpu-topology", "--get-lowmem");
            assertEquals(0, regs.exitCode(), regs.describe());
            List<String> lines = regs.lines();
            assertTrue(lines.get(0).matches("rip\\[0\\]\t\t0x00000000001[0-9a-f]{5}"), regs.describe());
            assertTrue(lines.get(1).matches("cr0\\[0\\]\t\t0x[0-9a-f]{15}[13579bdf]"), "protected mode\n" + regs.describe());
            assertEquals(List.of("active cpus:\t0", "cpu_topology:\tsockets=2, cores=1, threads=1, maxcpus=2",
                    "lowmem\t\t0x0000000008000000"), lines.subList(3, 6));
            JhyveProcess.Result stats = ctl("--vm=" + vm, "--get-stats");
            assertTrue(stats.stdout().startsWith("vcpu0 stats:\ntotal number of vm exits"), stats.describe());
            assertEquals(1, ctl("--vm=" + vm, "--cpu=7", "--get-rip").exitCode());
            JhyveProcess.Result off = ctl("--vm=" + vm, "--force-poweroff");
            assertEquals(0, off.exitCode(), off.describe());
            JhyveProcess.Result r = p.await();
            assertEquals(1, r.exitCode(), r.describe());
        }
        assertTrue(listLine(vm).matches(vm + " +stopped +128M"), listLine(vm));
        JhyveProcess.Result again = attach(vm).await();
        assertEquals(4, again.exitCode(), again.describe());
        assertTrue(again.stderr().contains("jhyve: VM '" + vm + "' cannot be booted: it has run since it was loaded"), again.describe());
        assertEquals(0, ctl("--vm=" + vm, "--destroy").exitCode());
        assertFalse(Files.exists(home(vm)));
    }

    @Test
    void forceResetExitsZeroAndDestroyEndsARunningVm() {
        String vm = "named2";
        ctl("--vm=" + vm, "--destroy");
        load(vm, "sigterm");
        try (JhyveProcess p = attach(vm)) {
            p.awaitStdout("sigterm: ready");
            JhyveProcess.Result reset = ctl("--vm=" + vm, "--force-reset");
            assertEquals(0, reset.exitCode(), reset.describe());
            assertEquals(0, p.await().exitCode());
        }
        load(vm, "sigterm");
        try (JhyveProcess p = attach(vm)) {
            p.awaitStdout("sigterm: ready");
            JhyveProcess.Result d = ctl("--vm=" + vm, "--destroy");
            assertEquals(0, d.exitCode(), d.describe());
            assertFalse(Files.exists(home(vm)), "the home is gone when --destroy returns");
            JhyveProcess.Result r = p.await();
            assertEquals(4, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("jhyve: VM destroyed by jhyvectl --destroy"), r.describe());
        }
    }

    @Test
    void destroyOnPowerOffRemovesTheHomeAndMemorySizesMustMatch() {
        String vm = "named3";
        ctl("--vm=" + vm, "--destroy");
        load(vm, "poweroff");
        JhyveProcess.Result mismatch = JhyveProcess.runProgram(org.jhyve.cli.Jhyve.class.getName(), "-m", "256M", "-s", "0,hostbridge",
                "-s", "1,lpc", vm);
        assertEquals(4, mismatch.exitCode(), mismatch.describe());
        assertTrue(mismatch.stderr().contains("jhyve: VM '" + vm + "' was loaded with 128M of memory, jhyve was given 256M"),
                mismatch.describe());
        JhyveProcess.Result r = attach(vm, "-D").await();
        assertEquals(1, r.exitCode(), r.describe());
        assertFalse(Files.exists(home(vm)), "-D removes the VM on power-off");
    }

    @Test
    void aKilledJhyveLeavesAStaleVmThatIsReportedAndNeverReused() throws InterruptedException {
        String vm = "named4";
        ctl("--vm=" + vm, "--destroy");
        load(vm, "sigterm");
        long pid;
        try (JhyveProcess p = attach(vm)) {
            p.awaitStdout("sigterm: ready");
            pid = p.pid();
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
        }
        assertTrue(listLine(vm).matches(vm + " +stale +128M +jhyve pid " + pid + " \\(dead\\)"), listLine(vm));
        JhyveProcess.Result reload = JhyveProcess.runProgram(LOAD, "-m", "128M", "-k", TestGuest.kernel().toString(), vm);
        assertEquals(1, reload.exitCode(), reload.describe());
        assertTrue(reload.stderr().contains("VM '" + vm + "' is stale: jhyve (pid " + pid + ") ended without cleaning up"), reload.describe());
        assertEquals(4, attach(vm).await().exitCode());
        assertEquals(0, ctl("--vm=" + vm, "--destroy").exitCode());
        assertFalse(Files.exists(home(vm)));
    }
}
