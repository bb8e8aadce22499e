package org.jhyve.home;

import org.jhyve.boot.BootEntry;
import org.jhyve.boot.BootState;
import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmHomeTest {
    static final BootState BOOT = new BootState(2 << 20, new BootEntry.Pvh(0x100000, 0x6000), List.of());

    @Test
    void loadRunAndStopWalkThroughTheStates(@TempDir Path root, @TempDir Path shm) {
        VmHomes homes = new VmHomes(root, shm);
        VmHome h = homes.home("vm1");
        assertTrue(h.status().isEmpty());
        try (HomeOwner loader = h.acquire("jhyveload", true, false)) {
            assertEquals(HomeState.LOADING, h.requireStatus().state());
            assertEquals(ProcessHandle.current().pid(), h.requireStatus().pid());
            try (GuestMemory m = loader.createMemory(2 << 20)) {
                m.writeLong(0x1000, 0x1122334455667788L);
            }
            loader.writeBoot(BOOT);
        }
        assertEquals(new HomeStatus("vm1", HomeState.LOADED, 0, "", 2 << 20), h.requireStatus());
        assertEquals(BOOT, h.boot().orElseThrow());
        try (HomeOwner runner = h.acquire("jhyve", false, false)) {
            try (GuestMemory m = runner.openMemory(2 << 20)) {
                assertEquals(0x1122334455667788L, m.readLong(0x1000), "the loader's RAM is the runner's RAM");
            }
            assertThrows(IllegalStateException.class, () -> runner.openMemory(4 << 20)).getMessage();
            assertEquals(HomeState.RUNNING, h.requireStatus().state());
            HomeException busy = assertThrows(HomeException.class, () -> h.acquire("jhyveload", true, false));
            assertEquals("VM 'vm1' is in use by jhyve (pid " + ProcessHandle.current().pid() + ")", busy.getMessage());
            runner.consumeBoot();
            runner.releaseMemory();
        }
        assertEquals(HomeState.STOPPED, h.requireStatus().state());
        assertTrue(h.boot().isEmpty());
        assertEquals(List.of(), listing(shm), "the RAM file went with the run");
        assertEquals(List.of(h.requireStatus()), homes.list());
    }

    @Test
    void aDeadOwnerMakesTheHomeStaleUntilDestroyed(@TempDir Path root, @TempDir Path shm) throws IOException {
        VmHomes homes = new VmHomes(root, shm);
        VmHome h = homes.home("crashed");
        try (HomeOwner o = h.acquire("jhyve", true, false)) {
            o.createMemory(1 << 20).close();
        }
        // what a killed jhyve leaves: a pid file nobody holds a lock on
        Files.writeString(h.dir().resolve("pid"), "999999 jhyve\n");
        HomeStatus st = h.requireStatus();
        assertEquals(HomeState.STALE, st.state());
        assertEquals(999999, st.pid());
        assertTrue(st.line().contains("stale") && st.line().endsWith("jhyve pid 999999 (dead)"), st.line());
        HomeException e = assertThrows(HomeException.class, () -> h.acquire("jhyve", true, false));
        assertEquals("VM 'crashed' is stale: jhyve (pid 999999) ended without cleaning up " + h.dir()
                + "; remove it with jhyvectl --vm=crashed --destroy", e.getMessage());
        assertEquals(1, listing(shm).size());
        h.acquire("jhyvectl", false, true).destroy();
        assertFalse(Files.exists(h.dir()));
        assertEquals(List.of(), listing(shm));
        assertEquals(List.of(), homes.list());
    }

    @Test
    void theOwnersPidIsThisProcesss() {
        assertEquals(ProcessHandle.current().pid(), VmHome.selfPid());
    }

    @Test
    void namesAreChecked(@TempDir Path root) {
        VmHomes homes = new VmHomes(root, root);
        for (String bad : List.of("", "../x", ".hidden", "a/b", "a b", "x".repeat(32))) {
            assertThrows(HomeException.class, () -> homes.home(bad), bad);
        }
        assertEquals("vm-1.test_2", homes.home("vm-1.test_2").name());
        assertEquals("VM 'nosuch' does not exist (no " + root.resolve("nosuch") + ")",
                assertThrows(HomeException.class, () -> homes.home("nosuch").requireStatus()).getMessage());
    }

    private static List<Path> listing(Path dir) {
        try (var s = Files.list(dir)) {
            return s.toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
