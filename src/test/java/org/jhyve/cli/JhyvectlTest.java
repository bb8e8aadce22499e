package org.jhyve.cli;

import org.jhyve.home.HomeOwner;
import org.jhyve.home.VmHomes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JhyvectlTest {
    record Run(int status, String out, String err) {}

    static Run run(VmHomes homes, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int s = Jhyvectl.run(args, new PrintStream(out, true), new PrintStream(err, true), homes);
        return new Run(s, out.toString(), err.toString());
    }

    @Test
    void listsHomesAndAnswersMemoryOfALoadedVm(@TempDir Path root, @TempDir Path shm) {
        VmHomes homes = new VmHomes(root, shm);
        try (HomeOwner o = homes.home("big").acquire("jhyveload", true, false)) {
            o.createMemory(4L << 30).close();
            o.writeBoot(new org.jhyve.boot.BootState(4L << 30, new org.jhyve.boot.BootEntry.Pvh(0x100000, 0x6000), List.of()));
        }
        Run list = run(homes, "--list");
        assertEquals(0, list.status(), list.err());
        assertEquals(List.of("NAME                 STATE      MEMORY  OWNER", "big                  loaded         4G"),
                list.out().lines().toList());
        Run mem = run(homes, "--vm=big", "--get-lowmem", "--get-highmem");
        assertEquals("lowmem\t\t0x00000000c0000000\nhighmem\t\t0x0000000040000000\n", mem.out());
        Run rip = run(homes, "--vm=big", "--get-rip");
        assertEquals(1, rip.status());
        assertEquals("jhyvectl: VM 'big' is not running (loaded); --get-rip needs a running jhyve\n", rip.err());
        Run destroy = run(homes, "--vm=big", "--destroy");
        assertEquals(0, destroy.status(), destroy.err());
        assertFalse(Files.exists(root.resolve("big")));
    }

    @Test
    void refusesUnknownOptionsAndVms(@TempDir Path root) {
        VmHomes homes = new VmHomes(root, root);
        Run unknown = run(homes, "--vm=x", "--get-bogus");
        assertEquals(1, unknown.status());
        assertTrue(unknown.err().startsWith("jhyvectl: unknown option --get-bogus\nUsage: jhyvectl"), unknown.err());
        Run set = run(homes, "--vm=x", "--set-rip=5");
        assertTrue(set.err().startsWith("jhyvectl: unknown option --set-rip=5 (a bhyvectl option jhyvectl does not implement)"), set.err());
        Run novm = run(homes, "--get-rip");
        assertEquals("jhyvectl: no VM named (--vm=NAME)", novm.err().lines().findFirst().orElseThrow());
        Run missing = run(homes, "--vm=ghost", "--destroy");
        assertEquals(1, missing.status());
        assertEquals("jhyvectl: VM 'ghost' does not exist (no " + root.resolve("ghost") + ")\n", missing.err());
        Run badCpu = run(homes, "--vm=x", "--cpu=-1", "--get-rip");
        assertEquals("jhyvectl: --cpu: '-1' is not a vCPU number\n", badCpu.err());
        assertEquals(0, run(homes, "--help").status());
    }

    @Test
    void formats() {
        assertEquals("0-2,5,7-8", Jhyvectl.ranges("0 1 2 5 7 8"));
        assertEquals("0", Jhyvectl.ranges("0"));
        assertEquals("", Jhyvectl.ranges(""));
        assertEquals(List.of("get-rip", "get-all", "inject-nmi", "destroy"),
                Jhyvectl.ordered(List.of("destroy", "get-rip", "inject-nmi", "get-all")));
        assertTrue(Jhyvectl.known("--get-desc-cs") && Jhyvectl.known("--get-efer") && !Jhyvectl.known("--get-xyz"));
    }
}
