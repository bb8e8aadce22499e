package org.jhyve.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ConfigTreeTest {
    @Test
    void laterSettingsOverrideEarlierOnes() {
        ConfigTree t = new ConfigTree();
        t.set("memory.size", "256M");
        t.set("memory.size", "1G");
        assertEquals("1G", t.get("memory.size"));
    }

    @Test
    void expandsReferencesRecursively() {
        ConfigTree t = new ConfigTree();
        t.set("name", "vm1");
        t.set("dir", "/run/%(name)");
        t.set("pci.0.2.0.path", "%(dir)/disk.img");
        assertEquals("/run/vm1/disk.img", t.get("pci.0.2.0.path"));
        assertEquals("%(dir)/disk.img", t.raw("pci.0.2.0.path"));
    }

    @Test
    void selfReferenceIsAnErrorNotALoop() {
        ConfigTree t = new ConfigTree();
        t.set("a", "%(b)");
        t.set("b", "%(a)");
        assertThrows(ConfigException.class, () -> t.get("a"));
    }

    @Test
    void undefinedReferenceIsAnError() {
        ConfigTree t = new ConfigTree();
        t.set("a", "x%(nope)");
        ConfigException e = assertThrows(ConfigException.class, () -> t.get("a"));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void booleansAsBhyveAcceptsThem() {
        for (String s : new String[] {"true", "ON", "Yes", "1"}) assertTrue(ConfigTree.parseBool("x", s));
        for (String s : new String[] {"false", "Off", "NO", "0"}) assertFalse(ConfigTree.parseBool("x", s));
        assertThrows(ConfigException.class, () -> ConfigTree.parseBool("x", "maybe"));
    }

    @Test
    void leafAndNodeCannotSwapRoles() {
        ConfigTree t = new ConfigTree();
        t.set("pci.0.2.0.device", "virtio-blk");
        assertThrows(ConfigException.class, () -> t.set("pci.0.2.0", "x"));
        assertThrows(ConfigException.class, () -> t.set("pci.0.2.0.device.sub", "x"));
    }

    @Test
    void childrenListsDirectDescendantsOnce() {
        ConfigTree t = new ConfigTree();
        t.set("pci.0.2.0.device", "virtio-blk");
        t.set("pci.0.2.0.path", "/d");
        t.set("pci.0.3.0.device", "virtio-rnd");
        t.set("pci.1.0.0.device", "hostbridge");
        assertEquals(java.util.List.of("0", "1"), t.children("pci"));
        assertEquals(java.util.List.of("2", "3"), t.children("pci.0"));
        assertEquals(java.util.Map.of("device", "virtio-blk", "path", "/d"), t.subtree("pci.0.2.0"));
    }

    @Test
    void dumpIsNameValueLinesInInsertionOrderLikeBhyvesNvlist() {
        ConfigTree t = new ConfigTree();
        t.set("name", "vm1");
        t.set("cpus", "2");
        assertEquals("name=vm1\ncpus=2\n", t.dump());
    }

    @Test
    void dumpGroupsANodeWhereItWasCreatedAndMovesAResetVariableToTheEnd() {
        ConfigTree t = new ConfigTree();
        t.set("memory.size", "256M");
        t.set("x86.strictmsr", "true");
        t.set("memory.wired", "true");
        t.set("memory.size", "1G");
        t.set("cpus", "%(x)");
        assertEquals("memory.wired=true\nmemory.size=1G\nx86.strictmsr=true\ncpus=%(x)\n", t.dump());
    }

    @Test
    void unsetRemovesEmptyNodesFromTheDump() {
        ConfigTree t = new ConfigTree();
        t.set("a.b.c", "1");
        t.set("d", "2");
        t.unset("a.b.c");
        assertEquals("d=2\n", t.dump());
        assertFalse(t.hasNode("a"));
        t.set("a", "3");
        assertEquals("d=2\na=3\n", t.dump());
    }

    @Test
    void backslashEscapesAndLonePercentAsInBhyve() {
        ConfigTree t = new ConfigTree();
        t.set("dir", "/srv");
        t.set("a", "50% \\%(x) %(dir)");
        assertEquals("50% %(x) /srv", t.get("a"));
        t.set("plain", "a\\b");
        assertEquals("a\\b", t.get("plain"), "values without % are returned untouched");
        t.set("ref", "%(plain)");
        assertEquals("ab", t.get("ref"), "referenced values are expanded, escapes included");
    }

    @Test
    void hasNodeSeesOnlyNodes() {
        ConfigTree t = new ConfigTree();
        t.set("pci.0.3.0.device", "virtio-rnd");
        assertTrue(t.hasNode("pci.0.3.0"));
        assertTrue(t.hasNode("pci"));
        assertFalse(t.hasNode("pci.0.3.0.device"));
        assertFalse(t.hasNode("pci.0.31"));
    }
}
