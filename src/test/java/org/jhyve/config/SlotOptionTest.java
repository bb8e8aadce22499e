package org.jhyve.config;

import org.junit.jupiter.api.Test;

import static org.jhyve.config.BhyveOptionsTest.lines;
import static org.junit.jupiter.api.Assertions.*;

class SlotOptionTest {
    /** The dump of a tree after the given -s arguments. */
    static String slots(String... opts) {
        ConfigTree t = new ConfigTree();
        for (String o : opts) SlotOption.parse(t, o);
        return t.dump();
    }

    static String error(String... opts) {
        ConfigException e = assertThrows(ConfigException.class, () -> slots(opts));
        assertFalse(e instanceof OptionException, e.getMessage());
        return e.getMessage();
    }

    @Test
    void slotForms() {
        assertEquals("pci.0.3.0.device=virtio-rnd\n", slots("3,virtio-rnd"));
        assertEquals("pci.0.3.2.device=virtio-rnd\n", slots("3:2,virtio-rnd"));
        assertEquals("pci.1.3.2.device=virtio-rnd\n", slots("1:3:2,virtio-rnd"));
        assertEquals("pci.255.31.7.device=virtio-rnd\n", slots("255:31:7,virtio-rnd"));
    }

    @Test
    void slotNumbersAreReadLikeSscanf() {
        assertEquals("pci.0.4.0.device=virtio-rnd\n", slots(" 4,virtio-rnd"), "leading blanks are skipped");
        assertEquals("pci.0.3.0.device=virtio-rnd\n", slots("3abc,virtio-rnd"), "trailing garbage is ignored");
        assertEquals("pci.0.0.0.device=virtio-rnd\n", slots("0x5,virtio-rnd"), "decimal only: 0x5 is 0");
        assertEquals("pci.0.8.0.device=virtio-rnd\n", slots("08,virtio-rnd"), "decimal only: 08 is 8");
        assertEquals("pci.0.1.0.device=virtio-rnd\n", slots("1:x,virtio-rnd"));
    }

    @Test
    void outOfRangeOrMalformedSlots() {
        assertEquals("Invalid PCI slot info field \"32,virtio-rnd\"", error("32,virtio-rnd"));
        assertEquals("Invalid PCI slot info field \"0:8,virtio-rnd\"", error("0:8,virtio-rnd"));
        assertEquals("Invalid PCI slot info field \"256:0:0,virtio-rnd\"", error("256:0:0,virtio-rnd"));
        assertEquals("Invalid PCI slot info field \"-1,virtio-rnd\"", error("-1,virtio-rnd"));
        assertEquals("Invalid PCI slot info field \"x,virtio-rnd\"", error("x,virtio-rnd"));
        assertEquals("Invalid PCI slot info field \"3\"", error("3"));
        assertEquals("Invalid PCI slot info field \"99999999999,virtio-rnd\"", error("99999999999,virtio-rnd"));
    }

    @Test
    void unknownAndDuplicateDevices() {
        assertEquals("pci slot 0:3:0: unknown device \"virtio-foo\"", error("3,virtio-foo"));
        assertEquals("pci slot 0:3:0: unknown device \"\"", error("3,"));
        assertEquals("pci slot 0:3:0 already occupied!", error("3,virtio-rnd", "3:0,virtio-blk"));
        ConfigTree t = new ConfigTree();
        t.set("pci.0.4.0.path", "/x");
        ConfigException e = assertThrows(ConfigException.class, () -> SlotOption.parse(t, "4,virtio-blk"));
        assertEquals("pci slot 0:4:0 already occupied!", e.getMessage());
    }

    @Test
    void blockDevices() {
        assertEquals(lines(
                "pci.0.4.0.device=virtio-blk",
                "pci.0.4.0.path=/img",
                "pci.0.4.0.ro=true",
                "pci.0.4.0.sectorsize=512/4096",
                "pci.0.4.0.nocache=true",
                "pci.0.4.0.ser=ABC=D"), slots("4,virtio-blk,/img,ro,sectorsize=512/4096,nocache,ser=ABC=D"));
        assertEquals("pci.0.4.0.device=virtio-blk\npci.0.4.0.path=\n", slots("4,virtio-blk,"));
        assertEquals("pci.0.4.0.device=virtio-blk\n", slots("4,virtio-blk"));
        assertEquals("Invalid config node name a.b", error("4,virtio-blk,/img,a.b=1"));
        assertEquals("pci.0.4.0.device=virtio-blk\npci.0.4.0.path=/img\npci.0.4.0.ro=true\n",
                slots("4,virtio-blk,/img,,ro"), "empty items are skipped");
    }

    @Test
    void networkDevices() {
        assertEquals("pci.0.5.0.device=virtio-net\npci.0.5.0.backend=tap0\n", slots("5,virtio-net,tap0"));
        assertEquals(lines(
                "pci.0.5.0.device=virtio-net",
                "pci.0.5.0.backend=tap0",
                "pci.0.5.0.mac=00:a0:98:00:00:01",
                "pci.0.5.0.mtu=9000"), slots("5,virtio-net,tap0,mac=00:a0:98:00:00:01,mtu=9000"));
        assertEquals("pci.0.5.0.device=e1000\npci.0.5.0.backend=tap1\npci.0.5.0.mac=00:a0:98:00:00:02\n",
                slots("5,e1000,backend=tap1,mac=00:a0:98:00:00:02"), "first item with '=' means no positional backend");
        assertEquals("pci.0.5.0.device=virtio-net\npci.0.5.0.backend=slirp\npci.0.5.0.hostfwd=tcp::22-:22\n",
                slots("5,virtio-net,slirp,hostfwd=tcp::22-:22"));
    }

    @Test
    void ahciPorts() {
        assertEquals(lines(
                "pci.0.3.0.device=ahci",
                "pci.0.3.0.port.0.type=hd",
                "pci.0.3.0.port.0.path=/a",
                "pci.0.3.0.port.0.nmrr=1",
                "pci.0.3.0.port.1.type=cd",
                "pci.0.3.0.port.1.path=/b.iso",
                "pci.0.3.0.port.1.ser=X"), slots("3,ahci,hd:/a,nmrr=1,cd:/b.iso,ser=X"));
        assertEquals("pci.0.3.0.device=ahci\npci.0.3.0.port.1.type=hd\npci.0.3.0.port.1.path=/x\n",
                slots("3,ahci,hd:,hd:/x"), "an empty port keeps its number");
        assertEquals("Missing or invalid type for port 0: \"/a\"", error("3,ahci,/a"));
        assertEquals("pci.0.3.0.device=ahci\n", slots("3,ahci"));
    }

    @Test
    void ahciAliases() {
        assertEquals(lines(
                "pci.0.3.0.device=ahci",
                "pci.0.3.0.port.0.type=hd",
                "pci.0.3.0.port.0.path=/disk.img",
                "pci.0.3.0.port.0.ro=true"), slots("3,ahci-hd,/disk.img,ro"));
        assertEquals("pci.0.4.0.device=ahci\npci.0.4.0.port.0.type=cd\n", slots("4,ahci-cd"));
    }

    @Test
    void hostBridges() {
        assertEquals("pci.0.0.0.device=hostbridge\npci.0.0.0.pcireg.vendor=0x1022\npci.0.0.0.pcireg.device=0x7432\n",
                slots("0,amd_hostbridge,ignored"));
        assertEquals("pci.0.0.0.device=hostbridge\npci.0.0.0.foo=1\n", slots("0,hostbridge,foo=1"));
    }

    @Test
    void nvme() {
        assertEquals("pci.0.6.0.device=nvme\npci.0.6.0.ram=1024\npci.0.6.0.maxq=4\n", slots("6,nvme,ram=1024,maxq=4"));
        assertEquals("pci.0.6.0.device=nvme\npci.0.6.0.path=/dev/nvd0\npci.0.6.0.ser=ABC\n",
                slots("6,nvme,/dev/nvd0,ser=ABC"));
        assertEquals("pci.0.6.0.device=nvme\npci.0.6.0.ram=64\n", slots("6,nvme,ram=64"));
    }

    @Test
    void passthru() {
        assertEquals("pci.0.7.0.device=passthru\npci.0.7.0.bus=1\npci.0.7.0.slot=2\npci.0.7.0.func=3\n",
                slots("7,passthru,1/2/3"));
        assertEquals("pci.0.7.0.device=passthru\npci.0.7.0.bus=4\npci.0.7.0.slot=5\npci.0.7.0.func=6\n",
                slots("7,passthru,pci0:4:5:6"));
        assertEquals("pci.0.7.0.device=passthru\npci.0.7.0.bus=7\npci.0.7.0.slot=8\npci.0.7.0.func=1\n",
                slots("7,passthru,pci7:8:1"));
        assertEquals("pci.0.7.0.device=passthru\npci.0.7.0.pptdev=ppt0\npci.0.7.0.rom=/x.rom\n",
                slots("7,passthru,ppt0,rom=/x.rom"));
        assertEquals("passthru: invalid options \"foo\"", error("7,passthru,foo"));
    }

    @Test
    void uartTakesTheWholeConfAsPath() {
        assertEquals("pci.0.8.0.device=uart\npci.0.8.0.path=/dev/nmdm0A,x\n", slots("8,uart,/dev/nmdm0A,x"));
    }

    @Test
    void virtio9p() {
        assertEquals("pci.0.9.0.device=virtio-9p\npci.0.9.0.sharename=share\npci.0.9.0.path=/srv\npci.0.9.0.ro=true\n",
                slots("9,virtio-9p,share=/srv,ro"));
        assertEquals("virtio-9p: more than one share name given", error("9,virtio-9p,a=/x,b=/y"));
    }

    @Test
    void virtioConsolePorts() {
        assertEquals(lines(
                "pci.0.10.0.device=virtio-console",
                "pci.0.10.0.port.0.name=org.a",
                "pci.0.10.0.port.0.path=/tmp/a.sock",
                "pci.0.10.0.port.1.name=b",
                "pci.0.10.0.port.1.path=/tmp/b.sock"), slots("10,virtio-console,org.a=/tmp/a.sock,b=/tmp/b.sock"));
        assertEquals("vtcon: port a requires a path", error("10,virtio-console,a"));
        StringBuilder sixteen = new StringBuilder("10,virtio-console");
        for (int i = 0; i < 16; i++) sixteen.append(",p").append(i).append("=/s").append(i);
        assertTrue(slots(sixteen.toString()).contains("pci.0.10.0.port.15.path=/s15\n"));
        assertEquals("vtcon: too many ports", error(sixteen + ",p16=/s16"));
    }

    @Test
    void otherDevices() {
        assertEquals("virtio-input: path required", error("11,virtio-input"));
        assertEquals("pci.0.11.0.device=virtio-input\npci.0.11.0.path=/dev/input/event0\n",
                slots("11,virtio-input,/dev/input/event0"));
        assertEquals("pci.0.12.0.device=virtio-scsi\npci.0.12.0.dev=/dev/cam/ctl1.1\npci.0.12.0.iid=3\n",
                slots("12,virtio-scsi,/dev/cam/ctl1.1,iid=3"));
        assertEquals("pci.0.30.0.device=xhci\npci.0.30.0.slot.1.device=tablet\npci.0.30.0.slot.2.device=tablet\n",
                slots("30,xhci,tablet,tablet"));
        assertEquals("pci.0.30.0.device=xhci\npci.0.30.0.slot.1.device=tablet\npci.0.30.0.slot.1.foo=bar\n",
                slots("30,xhci,tablet=foo=bar"));
        assertEquals("pci.0.13.0.device=hda\npci.0.13.0.play=/dev/dsp0\npci.0.13.0.rec=/dev/dsp1\n",
                slots("13,hda,play=/dev/dsp0,rec=/dev/dsp1"));
        assertEquals("pci.0.14.0.device=virtio-rnd\n", slots("14,virtio-rnd"));
        assertEquals("pci.0.31.0.device=lpc\n", slots("31,lpc"));
    }

    @Test
    void everyKnownPciNameParses() {
        for (String name : DeviceNames.PCI) {
            ConfigTree t = new ConfigTree();
            String conf = name.equals("virtio-input") ? ",/dev/input/event0" : "";
            SlotOption.parse(t, "3," + name + conf);
            assertEquals(DeviceNames.pciDevice(name), t.get("pci.0.3.0.device"), name);
        }
    }
}
