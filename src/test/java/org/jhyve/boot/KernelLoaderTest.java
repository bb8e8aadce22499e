package org.jhyve.boot;

import org.jhyve.vm.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.jhyve.boot.LinuxBootTest.MAP;
import static org.jhyve.boot.LinuxBootTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class KernelLoaderTest {
    @Test
    void recognisesBzImagesAndRefusesOtherFiles(@TempDir Path dir) throws IOException {
        Path bz = dir.resolve("vmlinuz");
        Files.write(bz, new SyntheticBzImage().build());
        Path initrd = dir.resolve("initrd.img");
        Files.write(initrd, new byte[5000]);
        GuestMemory mem = LinuxBootTest.memory(64 << 20);
        KernelLoader.Request req = new KernelLoader.Request(bz, initrd, "quiet");
        BootState s = KernelLoader.load(mem, req, KernelLoader.check(req), MAP, 0xF2400);
        assertInstanceOf(BootEntry.Linux64.class, s.entry());
        assertEquals(5000, mem.readInt(0x7000 + 0x21c));

        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello, not a kernel\n");
        assertMessage(text + ": not a kernel: neither a Linux bzImage nor an ELF file",
                () -> KernelLoader.check(new KernelLoader.Request(text, null, "")));
        assertMessage("cannot read kernel " + dir.resolve("nope") + ": No such file or directory",
                () -> KernelLoader.check(new KernelLoader.Request(dir.resolve("nope"), null, "")));
        assertMessage("cannot read initrd " + dir.resolve("no-initrd") + ": No such file or directory",
                () -> KernelLoader.check(new KernelLoader.Request(bz, dir.resolve("no-initrd"), "")));
    }
}
