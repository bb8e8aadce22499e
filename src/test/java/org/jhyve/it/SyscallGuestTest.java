package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.jhyve.vm.Vm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.jhyve.it.TestGuest.assertExit;
import static org.jhyve.it.TestGuest.linesStarting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SYSCALL from guest user mode into a supervisor-only kernel entry, as every Linux process
 * makes them (the guest's "syscall" mode). On hosts whose KVM leaves such a SYSCALL unfinished
 * (the PVM module of this project's machines) jhyve completes it (SyscallEntryFix); elsewhere the
 * processor does. Either way the guest must see every call and then a real user page fault.
 */
@Tag("kvm")
class SyscallGuestTest {
    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    @Test
    void userSyscallsReachASupervisorOnlyEntryAndReturn() {
        JhyveProcess.Result r = TestGuest.mode("syscall").run();
        assertExit(1, r);
        List<String> ok = linesStarting(r, "syscall: ok ");
        assertEquals(1, ok.size(), r.describe());
        assertTrue(ok.getFirst().matches("syscall: ok calls=1000 us=\\d+"), r.describe());
        assertTrue(linesStarting(r, "syscall: calls=").getFirst().contains(" pf_cs=0x33 pf_cr2=0x7f0000000000"), r.describe());
    }

    /** Linux's #PF entry begins with CLAC, which jhyve performs itself where it completes SYSCALLs. */
    @Test
    void aPageFaultEntryThroughClacRunsOn() {
        JhyveProcess.Result r = JhyveProcess.run(TestGuest.mode("syscall count=50 clac=1").args());
        assertExit(1, r);
        assertEquals(1, linesStarting(r, "syscall: ok calls=50 ").size(), r.describe());
        assertTrue(linesStarting(r, "syscall: calls=").getFirst().contains(" pf_cs=0x33 pf_cr2=0x7f0000000000"), r.describe());
    }

    /** Shows what the completion is for: switched off on such a host, no call arrives. */
    @Test
    void onAHostThatLosesThemNoCallArrivesWithoutTheFix() {
        Assumptions.assumeTrue(Vm.hostLosesSyscalls(), "this host's KVM completes SYSCALL itself (not the PVM module)");
        JhyveProcess.Result r = JhyveProcess.run(TestGuest.mode("syscall count=5").with("-o", "jhyve.syscall_fix=false").args());
        assertExit(1, r);
        assertTrue(r.lines().contains("FAIL: syscall: 0 of 5 calls completed correctly"), r.describe());
    }

    @Test
    void aBadSettingIsRefused() {
        JhyveProcess.Result r = JhyveProcess.run(TestGuest.mode("syscall").with("-o", "jhyve.syscall_fix=sometimes").args());
        assertExit(4, r);
        assertTrue(r.stderr().contains("jhyve.syscall_fix"), r.describe());
    }
}
