package org.jhyve.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The durability check for virtio-blk: a guest writes numbered 512-byte records, flushes after
 * each one and then prints {@code blkrec: flushed round=R index=I}; jhyve is SIGKILLed at a
 * random moment; every record the guest reported flushed must then be intact in the backing
 * file. Rounds repeat on the same file with increasing round numbers.
 *
 * <p>Record format (sector I of the disk, little-endian): bytes 0-7 "JHYVEREC", 8-11 round,
 * 12-15 index, 16-507 the byte (round * 31 + index * 7 + k) & 0xFF at offset k, 508-511 the
 * CRC-32 of bytes 0-507. The guest mode that writes them takes {@code round=R} on its command
 * line (see docs/virtio.md).
 */
final class BlockRecords {
    static final int SIZE = 512;
    static final Pattern FLUSHED = Pattern.compile("blkrec: flushed round=(\\d+) index=(\\d+)");

    private BlockRecords() { }

    static byte[] expected(int round, int index) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put("JHYVEREC".getBytes());
        b.putInt(round).putInt(index);
        for (int k = 16; k < 508; k++) b.put((byte) (round * 31 + index * 7 + k));
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, 508);
        b.putInt(508, (int) crc.getValue());
        return b.array();
    }

    /** The last index the guest reported flushed in this round's output, or -1. */
    static int lastFlushed(List<String> lines, int round) {
        int last = -1;
        for (String l : lines) {
            Matcher m = FLUSHED.matcher(l);
            if (m.matches() && Integer.parseInt(m.group(1)) == round) last = Math.max(last, Integer.parseInt(m.group(2)));
        }
        return last;
    }

    /** Records 0..last of round that are not intact in the file (empty when all are). */
    static List<Integer> damaged(Path disk, int round, int last) throws IOException {
        byte[] file = Files.readAllBytes(disk);
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i <= last; i++) {
            byte[] want = expected(round, i);
            int off = i * SIZE;
            if (off + SIZE > file.length || !java.util.Arrays.equals(file, off, off + SIZE, want, 0, SIZE)) bad.add(i);
        }
        return bad;
    }

    /**
     * Runs rounds: starts jhyve with the command line for a round (from args), kills it with
     * SIGKILL after a random delay in [minMs, maxMs), and checks every flushed record. Returns
     * the number of records verified over all rounds.
     */
    static int killRounds(Path disk, int rounds, long seed, int minMs, int maxMs, Function<Integer, List<String>> args)
            throws Exception {
        Random rnd = new Random(seed);
        int verified = 0;
        for (int round = 1; round <= rounds; round++) {
            try (JhyveProcess p = JhyveProcess.start(args.apply(round))) {
                Thread.sleep(minMs + rnd.nextInt(Math.max(1, maxMs - minMs)));
                ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);   // SIGKILL
                JhyveProcess.Result r = p.await();
                int last = lastFlushed(r.lines(), round);
                List<Integer> bad = damaged(disk, round, last);
                assertTrue(bad.isEmpty(), "round " + round + ": flushed records " + bad + " are damaged (last flushed "
                        + last + ")\n" + r.describe());
                verified += last + 1;
            }
        }
        return verified;
    }
}
