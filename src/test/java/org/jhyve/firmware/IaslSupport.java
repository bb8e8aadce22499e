package org.jhyve.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs acpica-tools' iasl: disassembles tables and compiles the disassembly back. */
public final class IaslSupport {
    private IaslSupport() {}

    /**
     * Writes {@code table} to NAME.dat, runs {@code iasl -d} and returns NAME.dsl, after checking
     * that iasl found nothing wrong with the table (no firmware warnings, checksum correct).
     */
    public static String disassemble(Path dir, String name, byte[] table) throws IOException, InterruptedException {
        Path dat = dir.resolve(name + ".dat");
        Files.write(dat, table);
        String log = run(dir, "-d", dat.getFileName().toString());
        Path dsl = dir.resolve(name + ".dsl");
        if (!Files.exists(dsl)) fail("iasl -d wrote no " + dsl + ":\n" + log);
        String text = Files.readString(dsl);
        assertFalse(log.contains("Firmware Warning"), "iasl warned about " + name + ":\n" + log);
        assertFalse(text.contains("Incorrect checksum"), name + " has a wrong checksum:\n" + text);
        return text;
    }

    /** Compiles NAME.dsl (from {@link #disassemble}) without optimisations and returns the table bytes. */
    public static byte[] recompile(Path dir, String name) throws IOException, InterruptedException {
        String log = run(dir, "-oa", "-p", name + "-recompiled", name + ".dsl");
        Path aml = dir.resolve(name + "-recompiled.aml");
        if (!Files.exists(aml)) fail("iasl wrote no " + aml + ":\n" + log);
        return Files.readAllBytes(aml);
    }

    private static String run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("iasl");
        cmd.addAll(List.of(args));
        Process proc;
        try {
            proc = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("cannot run iasl (" + e.getMessage()
                    + "): install acpica-tools (apt-get install acpica-tools)", e);
        }
        String log = new String(proc.getInputStream().readAllBytes());
        if (!proc.waitFor(60, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            fail(cmd + " did not finish");
        }
        assertEquals(0, proc.exitValue(), cmd + " failed:\n" + log);
        return log;
    }
}
