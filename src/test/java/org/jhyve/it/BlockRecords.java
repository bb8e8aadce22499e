package org.jhyve.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The durability check for virtio-blk with the test guest's {@code blk-records} mode: the guest
 * writes numbered one-sector records, flushes after each one and then prints
 * {@code blk-records: record N durable}; jhyve is SIGKILLed at a random moment; every record the
 * guest reported durable must then be intact in the backing file.
 *
 * <p>Record format (guests/README.md): record n is sector {@code sector + n}; bytes 0-7
 * "JHYVEREC", 8-15 n and 16-23 ~n (u64 little-endian), 24-511 the byte (n + i) & 0xFF at offset i.
 * Records do not depend on the round, so the disk is zeroed before each round: a record found
 * afterwards was written in that round.
 */
final class BlockRecords {
    static final int SIZE = 512;
    static final Pattern DURABLE = Pattern.compile("blk-records: record (\\d+) durable");

    private BlockRecords() { }

    static byte[] expected(long n) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put("JHYVEREC".getBytes());
        b.putLong(n).putLong(~n);
        for (int i = 24; i < SIZE; i++) b.put((byte) (n + i));
        return b.array();
    }

    /** The highest record number the guest reported durable, or -1; the reports must count up from 0. */
    static int lastDurable(List<String> lines) {
        int last = -1;
        for (String l : lines) {
            Matcher m = DURABLE.matcher(l);
            if (!m.matches()) continue;
            int n = Integer.parseInt(m.group(1));
            if (n != last + 1) throw new AssertionError("record " + n + " reported durable after record " + last);
            last = n;
        }
        return last;
    }

    /** Records 0..last (at sector firstSector + n) that are not intact in the file (empty when all are). */
    static List<Integer> damaged(Path disk, long firstSector, int last) throws IOException {
        byte[] file = Files.readAllBytes(disk);
        List<Integer> bad = new ArrayList<>();
        for (int n = 0; n <= last; n++) {
            long off = (firstSector + n) * SIZE;
            if (off + SIZE > file.length || !Arrays.equals(file, (int) off, (int) off + SIZE, expected(n), 0, SIZE)) bad.add(n);
        }
        return bad;
    }

    /** What the rounds saw: records verified in all, rounds that ended by SIGKILL and by the guest finishing. */
    record Outcome(long verified, int killed, int finished) { }

    /**
     * Runs rounds: zeroes the disk (size bytes), starts jhyve with the command line for the round
     * (args gets the round number), SIGKILLs it after a random delay in [minMs, maxMs) unless it
     * ended first, and checks every record reported durable (records from firstSector on).
     */
    static Outcome killRounds(Path disk, long size, long firstSector, int rounds, long seed, int minMs, int maxMs,
                              Function<Integer, List<String>> args) throws Exception {
        Random rnd = new Random(seed);
        long verified = 0;
        int killed = 0, finished = 0;
        for (int round = 1; round <= rounds; round++) {
            Files.write(disk, new byte[Math.toIntExact(size)]);
            try (JhyveProcess p = JhyveProcess.start(args.apply(round))) {
                p.closeStdin();
                int delay = minMs + rnd.nextInt(Math.max(1, maxMs - minMs));
                long until = System.nanoTime() + delay * 1_000_000L;
                while (p.isAlive() && System.nanoTime() < until) Thread.sleep(10);
                boolean alive = p.isAlive();
                if (alive) ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);   // SIGKILL
                JhyveProcess.Result r = p.await();
                if (alive) killed++;
                else {
                    assertTrue(r.exitCode() == 1 && r.lines().stream().anyMatch(l -> l.startsWith("blk-records: done ")),
                            "round " + round + ": jhyve ended before the kill without finishing the records\n" + r.describe());
                    finished++;
                }
                int last = lastDurable(r.lines());
                List<Integer> bad = damaged(disk, firstSector, last);
                assertTrue(bad.isEmpty(), "round " + round + " (killed after " + delay + " ms): records reported durable "
                        + bad + " are damaged (last durable " + last + ")\n" + r.describe());
                verified += last + 1;
            }
        }
        return new Outcome(verified, killed, finished);
    }
}
