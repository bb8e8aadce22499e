package org.jhyve.cli;

import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** -l com1,autopty: jhyve makes a pty, prints its path, and the guest's console works through it. */
@Tag("kvm")
class AutoptyTest {
    @Test
    void guestConsoleWorksThroughThePrintedPty() throws Exception {
        KvmAvailable.require();
        Path guest = Path.of("guests/build/testguest.elf");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Jhyve.class.getName(),
                "-s", "0,hostbridge", "-s", "1,lpc", "-l", "com1,autopty",
                "-o", "jhyve.kernel=" + guest, "-o", "jhyve.cmdline=echo", "ptyvm"));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
            String line = err.readLine();
            Matcher m = Pattern.compile("jhyve: com1: (/dev/pts/\\d+)").matcher(line == null ? "" : line);
            assertTrue(m.matches(), "first stderr line should name the pty, was: " + line);
            try (RandomAccessFile pty = new RandomAccessFile(m.group(1), "rw")) {
                StringBuilder seen = new StringBuilder();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!seen.toString().contains("echo: ready") && System.nanoTime() < deadline) seen.append((char) pty.read());
                pty.write("through the pty\rquit\r".getBytes(StandardCharsets.US_ASCII));
                while (!seen.toString().contains("echo: quit") && System.nanoTime() < deadline) seen.append((char) pty.read());
                assertTrue(seen.toString().contains("echo: through the pty"), seen.toString());
                // A client a moment behind still gets the guest's last line: jhyve's exit closes
                // the master, which would drop what the slave side has not read yet.
                Thread.sleep(15);
                int c;
                while (!seen.toString().matches("(?s).*poweroff: [^\n]*\n.*") && System.nanoTime() < deadline
                        && (c = pty.read()) >= 0) {
                    seen.append((char) c);
                }
                assertTrue(seen.toString().matches("(?s).*poweroff: method=[^\n]*\n.*"), "the last line was lost: " + seen);
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "jhyve did not exit");
            assertEquals(1, p.exitValue(), "guest powers off after quit");
        } finally {
            p.destroyForcibly();
        }
    }
}
