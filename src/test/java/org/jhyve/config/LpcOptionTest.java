package org.jhyve.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LpcOptionTest {
    static String lpc(String... opts) {
        ConfigTree t = new ConfigTree();
        for (String o : opts) LpcOption.parse(t, o);
        return t.dump();
    }

    @Test
    void serialPorts() {
        assertEquals("lpc.com1.path=stdio\n", lpc("com1,stdio"));
        assertEquals("lpc.com2.path=/dev/nmdm0A\n", lpc("COM2,/dev/nmdm0A"), "names ignore case");
        assertEquals("lpc.com4.path=tcp=127.0.0.1:9000,x\n", lpc("com4,tcp=127.0.0.1:9000,x"), "the rest is the backend");
        OptionException e = assertThrows(OptionException.class, () -> lpc("com1"));
        assertEquals(64, e.exitStatus());
        assertEquals("invalid lpc device configuration 'com1'", e.getMessage());
    }

    @Test
    void bootrom() {
        assertEquals("lpc.bootrom=/u.fd\n", lpc("bootrom,/u.fd"));
        assertEquals("lpc.bootrom=/u.fd\nlpc.bootvars=/v.fd\n", lpc("bootrom,/u.fd,/v.fd"));
        assertEquals("lpc.bootrom=/u.fd\nlpc.fwcfg=qemu\n", lpc("bootrom,/u.fd,fwcfg=qemu"), "an option instead of a vars file");
        assertEquals("lpc.bootrom=/u.fd\nlpc.bootvars=/v.fd\nlpc.fwcfg=qemu\n", lpc("BootRom,/u.fd,/v.fd,fwcfg=qemu"));
        ConfigException e = assertThrows(ConfigException.class, () -> lpc("bootrom"));
        assertFalse(e instanceof OptionException);
        assertEquals("invalid bootrom option \"bootrom\"", e.getMessage());
    }

    @Test
    void testDeviceAndTpm() {
        assertEquals("lpc.pc-testdev=true\n", lpc("pc-testdev"));
        assertEquals("tpm.type=swtpm\ntpm.path=/tmp/sock\ntpm.version=2.0\n", lpc("tpm,swtpm,/tmp/sock"));
        assertEquals("tpm.type=swtpm\ntpm.path=/p\ntpm.version=1.2\n", lpc("tpm,swtpm,/p,version=1.2"));
        assertEquals("invalid tpm type \"tpm\"", assertThrows(ConfigException.class, () -> lpc("tpm")).getMessage());
        assertEquals("invalid tpm path \"tpm,swtpm\"", assertThrows(ConfigException.class, () -> lpc("tpm,swtpm")).getMessage());
    }

    @Test
    void unknownDevicesAreRefused() {
        for (String bad : new String[] {"fwcfg,qemu", "com5,stdio", "lpc", ""}) {
            OptionException e = assertThrows(OptionException.class, () -> lpc(bad), bad);
            assertEquals(64, e.exitStatus());
            assertEquals("invalid lpc device configuration '" + bad + "'", e.getMessage());
        }
    }

    @Test
    void everyListedLpcNameIsKnown() {
        for (String name : DeviceNames.LPC) assertTrue(DeviceNames.isLpc(name.toUpperCase()), name);
        assertFalse(DeviceNames.isLpc("fwcfg"));
    }
}
