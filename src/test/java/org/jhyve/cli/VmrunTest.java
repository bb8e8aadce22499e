package org.jhyve.cli;

import org.jhyve.home.HomeState;
import org.jhyve.home.VmHome;
import org.jhyve.home.VmHomes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vmrun's loop with a stand-in for the jhyve child: reloads before every run, stops and cleans up as vmrun.sh. */
class VmrunTest {
    Path kernel;

    Path kernel(Path dir) throws IOException {
        Path k = dir.resolve("vmlinuz");
        Files.write(k, new org.jhyve.boot.SyntheticBzImageAccess().build());
        return k;
    }

    int run(VmHomes homes, List<Integer> statuses, List<List<String>> calls, List<HomeState> statesSeen, String... args) {
        Deque<Integer> next = new ArrayDeque<>(statuses);
        VmHome home = homes.home(args[args.length - 1]);
        return Vmrun.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()), homes,
                a -> {
                    calls.add(a);
                    statesSeen.add(home.requireStatus().state());
                    return next.removeFirst();
                });
    }

    @Test
    void rebootsLoopUntilPowerOffThenTheVmIsRemoved(@TempDir Path root, @TempDir Path shm, @TempDir Path dir) throws IOException {
        VmHomes homes = new VmHomes(root, shm);
        List<List<String>> calls = new ArrayList<>();
        List<HomeState> seen = new ArrayList<>();
        int s = run(homes, List.of(0, 0, 1), calls, seen, "-m", "64M", "-c", "1", "-k", kernel(dir).toString(), "-K", "console=ttyS0 quiet", "lx");
        assertEquals(1, s);
        assertEquals(3, calls.size());
        assertEquals(List.of(HomeState.LOADED, HomeState.LOADED, HomeState.LOADED), seen, "loaded afresh before every run");
        assertEquals(List.of("-c", "1", "-m", "64M", "-H", "-A", "-P", "-s", "0:0,hostbridge", "-s", "1:0,lpc", "-l", "com1,stdio", "lx"),
                calls.getFirst());
        assertFalse(Files.exists(root.resolve("lx")), "removed after power-off");
    }

    @Test
    void anErrorStopsTheLoopAndKeepsTheVm(@TempDir Path root, @TempDir Path shm, @TempDir Path dir) throws IOException {
        VmHomes homes = new VmHomes(root, shm);
        List<List<String>> calls = new ArrayList<>();
        int s = run(homes, List.of(4), calls, new ArrayList<>(), "-m", "64M", "-k", kernel(dir).toString(), "lx");
        assertEquals(4, s);
        assertTrue(Files.exists(root.resolve("lx")), "kept after an error, as vmrun.sh does");
        assertEquals(HomeState.LOADED, homes.home("lx").requireStatus().state());
    }

    @Test
    void devicesGoFromSlotTwoAndMissingDisksAreCreated(@TempDir Path root, @TempDir Path dir) throws IOException {
        Path disk = dir.resolve("disk.img");
        ShortOptions o = ShortOptions.parse(new String[] {"-t", "tap0", "-d", disk.toString(), "-u", "-w", "-k", "k", "vm"},
                Vmrun.OPTSTRING);
        assertEquals(List.of("-c", "2", "-m", "512M", "-H", "-A", "-P", "-u", "-w", "-s", "0:0,hostbridge", "-s", "1:0,lpc",
                "-s", "2:0,virtio-net,tap0", "-s", "3:0,virtio-blk," + disk, "-l", "com1,stdio", "vm"), Vmrun.jhyveArgs(o, "vm"));
        VmHomes homes = new VmHomes(root, root);
        List<List<String>> calls = new ArrayList<>();
        run(homes, List.of(4), calls, new ArrayList<>(), "-m", "64M", "-d", disk.toString(), "-k", kernel(dir).toString(), "vm");
        assertEquals(8L << 30, Files.size(disk));
    }

    @Test
    void refusals(@TempDir Path root) {
        VmHomes homes = new VmHomes(root, root);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, Vmrun.run(new String[] {"-E", "vm"}, System.out, new PrintStream(err, true), homes, a -> 0));
        assertEquals("vmrun: -E is not available with jhyve on Linux (see the usage)\n", err.toString());
        err.reset();
        assertEquals(1, Vmrun.run(new String[] {"vm"}, System.out, new PrintStream(err, true), homes, a -> 0));
        assertTrue(err.toString().startsWith("vmrun: no kernel given (-k)"), err.toString());
    }
}
