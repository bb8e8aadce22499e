package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.jhyve.it.TestGuest.assertExit;
import static org.jhyve.it.TestGuest.assertLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * bhyve's flag options on a running guest: each is accepted and the guest still boots and powers
 * off normally. (What each option sets in the configuration tree is checked by CliTest's dumps.)
 */
@Tag("kvm")
class GuestOptionsTest {
    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    /**
     * -e: the demo only touches emulated ports, so strict I/O changes nothing; -u: RTC in UTC;
     * -w: unknown MSRs read 0; -S: wired (mlocked) memory; -C: memory in core dumps; -A, -H, -P:
     * accepted as bhyve accepts them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"-e", "-u", "-w", "-S", "-C", "-A", "-H", "-P"})
    void demoBootsWith(String flag) {
        JhyveProcess.Result r = TestGuest.mode("demo").with(flag, "-c", "2").run();
        assertExit(1, r);
        assertLine(r, "smp: 2 of 2 cpus up");
        assertLine(r, "pci: count=2");
        assertEquals(GuestModesTest.POWEROFF_LINE, r.lines().getLast(), r.describe());
    }

    /** -x: the MADT lists x2APIC entries and every AP still starts (the guest follows the APIC mode it finds). */
    @Test
    void x2apicModeStartsAllCpus() {
        JhyveProcess.Result r = TestGuest.mode("demo").with("-x", "-c", "4").run();
        assertExit(1, r);
        assertEquals(List.of("cpu: apic=0 uid=0 enabled x2apic bsp", "cpu: apic=1 uid=1 enabled x2apic",
                        "cpu: apic=2 uid=2 enabled x2apic", "cpu: apic=3 uid=3 enabled x2apic"),
                TestGuest.linesStarting(r, "cpu: "), r.describe());
        assertEquals(List.of("smp: cpu apic=1 up", "smp: cpu apic=2 up", "smp: cpu apic=3 up", "smp: 4 of 4 cpus up"),
                TestGuest.linesStarting(r, "smp: "), r.describe());
    }

    /**
     * -p 0:N pins vCPU 0's thread; checked from the outside in /proc while the guest waits for
     * input. N is the first host CPU this test may use (0 on most hosts; a cpuset may exclude it).
     */
    @Test
    void pinnedVcpuThreadRunsOnlyOnItsHostCpu() throws IOException {
        String hostCpu = firstAllowedCpu();
        try (JhyveProcess p = TestGuest.mode("echo").with("-c", "2", "-p", "0:" + hostCpu).start()) {
            p.awaitStdout("echo: ready");
            assertEquals(hostCpu, cpusAllowed(p.pid(), "vcpu 0"), "vcpu 0 affinity with -p 0:" + hostCpu);
            p.type("quit\n");
            JhyveProcess.Result r = p.await();
            assertExit(1, r);
            assertLine(r, "echo: quit");
        }
    }

    private static String firstAllowedCpu() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("Cpus_allowed_list:")) return l.substring(l.indexOf(':') + 1).strip().split("[-,]")[0];
        }
        return fail("no Cpus_allowed_list in /proc/self/status");
    }

    /** %(name) in a value set with -o is expanded when the kernel's command line is read. */
    @Test
    void percentExpansionReachesTheGuest() {
        List<String> args = new ArrayList<>(List.of("-o", "guestmode=poweroff", "-o", "extra=word%(guestmode)"));
        args.addAll(TestGuest.STANDARD_DEVICES);
        args.addAll(List.of("-o", "jhyve.kernel=" + TestGuest.kernel(), "-o", "jhyve.cmdline=%(guestmode) %(extra)", TestGuest.VM_NAME));
        JhyveProcess.Result r = JhyveProcess.run(args);
        assertExit(1, r);
        assertLine(r, "cmdline: poweroff wordpoweroff");
        assertLine(r, "cmdline: ignoring word wordpoweroff");
        assertLine(r, "mode: poweroff");
    }

    /** Cpus_allowed_list of the jhyve thread whose name is threadName. */
    private static String cpusAllowed(long pid, String threadName) throws IOException {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        List<String> seen = new ArrayList<>();
        try (Stream<Path> s = Files.list(tasks)) {
            for (Path t : s.toList()) {
                String comm = Files.readString(t.resolve("comm")).strip();
                seen.add(comm);
                if (!comm.equals(threadName)) continue;
                for (String l : Files.readAllLines(t.resolve("status"))) {
                    if (l.startsWith("Cpus_allowed_list:")) return l.substring(l.indexOf(':') + 1).strip();
                }
            }
        }
        return fail("no thread named '" + threadName + "' in " + tasks + ": " + seen);
    }
}
