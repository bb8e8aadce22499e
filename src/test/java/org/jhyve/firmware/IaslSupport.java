package org.jhyve.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs acpica-tools' disassembler on a table and returns the .dsl text. */
public final class IaslSupport {
    private IaslSupport() {}

    public static String disassemble(Path dir, String name, byte[] table) throws IOException, InterruptedException {
        Path dat = dir.resolve(name + ".dat");
        Files.write(dat, table);
        Process proc;
        try {
            proc = new ProcessBuilder("iasl", "-d", dat.getFileName().toString())
                    .directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("cannot run iasl (" + e.getMessage() + "): install acpica-tools (apt-get install acpica-tools)");
            throw e;
        }
        String log = new String(proc.getInputStream().readAllBytes());
        if (!proc.waitFor(60, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            fail("iasl -d " + dat + " did not finish");
        }
        assertEquals(0, proc.exitValue(), "iasl -d " + name + " failed:\n" + log);
        Path dsl = dir.resolve(name + ".dsl");
        if (!Files.exists(dsl)) fail("iasl -d wrote no " + dsl + ":\n" + log);
        return Files.readString(dsl);
    }
}
