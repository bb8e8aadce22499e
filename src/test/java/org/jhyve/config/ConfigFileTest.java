package org.jhyve.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ConfigFileTest {
    @TempDir
    Path dir;

    Path write(String text) throws IOException {
        Path p = dir.resolve("vm.conf");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void loadsNameValueLinesSkippingCommentsAndBlankLines() throws IOException {
        ConfigTree t = new ConfigTree();
        ConfigFile.load(t, write("# a comment\n\nname=vm1\ncpus=2\n#cpus=4\npci.0.3.0.device=virtio-rnd\nmemory.size=1G"));
        assertEquals("name=vm1\ncpus=2\npci.0.3.0.device=virtio-rnd\nmemory.size=1G\n", t.dump());
    }

    @Test
    void spacesAndCarriageReturnsBelongToNamesAndValues() throws IOException {
        ConfigTree t = new ConfigTree();
        ConfigFile.load(t, write("a = b\nc=d\r\n"));
        assertEquals(" b", t.get("a "));
        assertEquals("d\r", t.get("c"));
    }

    @Test
    void badLinesNameFileAndLine() throws IOException {
        Path p = write("name=vm1\n# fine\n\nnovalue=\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(new ConfigTree(), p));
        assertEquals(p + " line 4: invalid config option 'novalue='", e.getMessage());
        Path q = write("  \n");
        e = assertThrows(ConfigException.class, () -> ConfigFile.load(new ConfigTree(), q));
        assertEquals(q + " line 1: invalid config option '  '", e.getMessage());
        Path r = write("x=1\r\n\r\n");
        e = assertThrows(ConfigException.class, () -> ConfigFile.load(new ConfigTree(), r));
        assertEquals(r + " line 2: invalid config option '\r'", e.getMessage());
    }

    @Test
    void missingFile() {
        Path p = dir.resolve("nope.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(new ConfigTree(), p));
        assertEquals("Failed to open configuration file " + p + ": No such file or directory", e.getMessage());
    }

    @Test
    void dashKAppliesAtItsPosition() throws IOException {
        Path p = write("memory.size=2G\nx86.x2apic=true\n");
        ConfigTree t = BhyveOptionsTest.run("-m", "1G", "-k", p.toString(), "vm1");
        assertEquals("2G", t.get("memory.size"));
        t = BhyveOptionsTest.run("-k", p.toString(), "-m", "1G", "-a", "vm1");
        assertEquals("1G", t.get("memory.size"));
        assertEquals("false", t.get("x86.x2apic"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> BhyveOptions.parse(new String[] {"-k", dir.resolve("x").toString(), "vm1"}));
        assertTrue(e.getMessage().startsWith("Failed to open configuration file "), e.getMessage());
    }

    @Test
    void dashKCanNameTheVmAndAskForADump() throws IOException {
        Path p = write("name=fromfile\nconfig.dump=true\n");
        Invocation inv = BhyveOptions.parse(new String[] {"-k", p.toString()});
        assertEquals(BhyveOptionsTest.DEFAULTS + "name=fromfile\nconfig.dump=true\n",
                assertInstanceOf(Invocation.Dump.class, inv).tree().dump());
    }
}
