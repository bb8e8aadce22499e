package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.jhyve.it.TestGuest.assertExit;
import static org.jhyve.it.TestGuest.assertLine;
import static org.jhyve.it.TestGuest.linesStarting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** virtio devices seen from a guest: PCI identity, BARs and capabilities, exit clean-up, refusals, durability. */
@Tag("kvm")
class VirtioGuestTest {
    @TempDir Path dir;

    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    @Test
    void virtioDevicesAppearAsTransitionalFunctions() throws Exception {
        Path img = dir.resolve("disk.img");
        Files.write(img, new byte[1 << 20]);
        Path sock = dir.resolve("con1.sock");
        JhyveProcess.Result r = TestGuest.mode("pci").devices("-s", "0,hostbridge", "-s", "1,lpc", "-l", "com1,stdio",
                "-s", "3,virtio-blk," + img + ",sectorsize=4096", "-s", "4,virtio-rnd",
                "-s", "5,virtio-console,con1=" + sock).run();
        assertExit(1, r);
        assertLine(r, "pci: 00:03.0 id=1af4:1001 class=018000 rev=0x00");
        assertLine(r, "pci: 00:04.0 id=1af4:1005 class=00ff00 rev=0x00");
        assertLine(r, "pci: 00:05.0 id=1af4:1003 class=078000 rev=0x00");
        assertTrue(linesStarting(r, "pci: 00:03.0 header=").getFirst().contains("subsystem=1af4:0002 int_pin=1"), r.describe());
        assertTrue(linesStarting(r, "pci: 00:03.0 bar0 io ").getFirst().endsWith("size=0x80"), r.describe());
        assertTrue(linesStarting(r, "pci: 00:03.0 bar1 mem32 ").getFirst().endsWith("size=0x1000"), r.describe());
        assertTrue(linesStarting(r, "pci: 00:03.0 bar4 mem64 ").getFirst().endsWith("size=0x4000"), r.describe());
        assertLine(r, "pci: 00:03.0 caps=0x09@0x40,0x09@0x50,0x09@0x64,0x09@0x74,0x09@0x84,0x11@0x98");
        assertLine(r, "pci: count=5");
        assertFalse(Files.exists(sock), "the console socket is removed when jhyve exits");
    }

    @Test
    void msiInsteadOfMsixWithW() throws Exception {
        JhyveProcess.Result r = TestGuest.mode("pci").with("-W").devices("-s", "0,hostbridge", "-s", "1,lpc",
                "-l", "com1,stdio", "-s", "4,virtio-rnd").run();
        assertExit(1, r);
        assertLine(r, "pci: 00:04.0 caps=0x09@0x40,0x09@0x50,0x09@0x64,0x09@0x74,0x09@0x84,0x05@0x98");
        assertTrue(linesStarting(r, "pci: 00:04.0 bar1").isEmpty(), r.describe());
    }

    @Test
    void missingBackingFileIsRefusedWithStatus4() {
        Path none = dir.resolve("none.img");
        JhyveProcess.Result r = JhyveProcess.run(TestGuest.mode("poweroff").devices("-s", "0,hostbridge", "-s", "1,lpc",
                "-s", "3,virtio-blk," + none).args());
        assertEquals(4, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains(none.toString()), r.describe());
    }

    /**
     * SIGKILL at random moments while the guest writes and flushes numbered records (blk-records
     * mode); every record it reported durable must be intact. Rounds: 6 by default,
     * {@code -Djhyve.blkrecords.rounds=N} for a longer run.
     */
    @Test
    void flushedRecordsSurviveSigkill() throws Exception {
        Path img = dir.resolve("records.img");
        int rounds = Integer.getInteger("jhyve.blkrecords.rounds", 6);
        long first = 8;
        BlockRecords.Outcome o = BlockRecords.killRounds(img, 4 << 20, first, rounds, 4242, 700, 2500,
                round -> List.of("-s", "0,hostbridge", "-s", "1,lpc", "-l", "com1,stdio",
                        "-s", "3,virtio-blk," + img + (round % 2 == 0 ? ",sync" : ""),
                        "-o", "jhyve.kernel=" + TestGuest.kernel(),
                        "-o", "jhyve.cmdline=blk-records sector=" + first + " count=8000" + (round % 3 == 0 ? " transport=legacy" : ""),
                        TestGuest.VM_NAME));
        System.out.println("blk-records durability: " + o);
        assertTrue(o.verified() > 0, "no record was reported durable in any round: " + o);
        assertTrue(o.killed() > 0, "no round was killed: " + o);
    }
}
