package org.jhyve.mgmt.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jhyve.mgmt.TestCases;
import org.junit.jupiter.api.Test;

class DomainXmlParserTest {

    private static String domain(String memory, String extra) {
        return "<domain type='bhyve'><name>t</name>" + memory + "<os><type>hvm</type></os>" + extra + "</domain>";
    }

    @Test
    void memoryUnitsScaleToKibRoundingUp() throws Exception {
        assertEquals(4L * 1024 * 1024, DomainXmlParser.parse(domain("<memory unit='G'>4</memory>", "")).memoryKiB());
        assertEquals(4L * 1024 * 1024, DomainXmlParser.parse(domain("<memory unit='GiB'>4</memory>", "")).memoryKiB());
        assertEquals(977, DomainXmlParser.parse(domain("<memory unit='MB'>1</memory>", "")).memoryKiB());
        assertEquals(1, DomainXmlParser.parse(domain("<memory unit='b'>1</memory>", "")).memoryKiB());
        assertEquals(219136, DomainXmlParser.parse(domain("<memory>219136</memory>", "")).memoryKiB());
        assertEquals(1000, DomainXmlParser.parse(domain("<memory unit='KB'>1024</memory>", "")).memoryKiB());
    }

    @Test
    void uuidAndMacAreNormalised() throws Exception {
        var d = DomainXmlParser.parse(domain("<memory>1</memory><uuid>DF3BE7E7A10411E3AEB050E5492BD3DC</uuid>",
                "<devices><interface type='bridge'><mac address='52:54:0:B9:94:2'/><source bridge='br0'/>"
                        + "</interface></devices>"));
        assertEquals("df3be7e7-a104-11e3-aeb0-50e5492bd3dc", d.uuid());
        assertEquals("52:54:00:b9:94:02", d.devices().interfaces().getFirst().mac());
    }

    @Test
    void fullDomainFieldsAreRead() throws Exception {
        var d = DomainXmlParser.parse(TestCases.read("xml", "full-domain.xml"));
        assertEquals("full", d.name());
        assertEquals(4, d.vcpus());
        assertEquals(new CpuTopology(1, null, null, 2, 2), d.topology());
        assertEquals(List.of(new VcpuPin(0, "1,3-4"), new VcpuPin(1, "0")), d.vcpuPins());
        assertTrue(d.memoryLocked());
        assertEquals(new Features(true, true, "ignore"), d.features());
        assertEquals("localtime", d.clockOffset());
        assertEquals("/usr/local/sbin/grub-bhyve", d.bootloader());
        assertEquals(List.of("hd"), d.os().bootDevs());
        assertEquals(List.of("-x"), d.commandline());
        assertEquals("jhyve", d.sysinfo().entry("bios", "vendor"));
        assertEquals("Every domain-level element & attribute", d.description());
    }

    @Test
    void devicesAreReadWithTheirAddresses() throws Exception {
        var disk = DomainXmlParser.parse(TestCases.read("xml", "disk-sata.xml")).devices().disks().getFirst();
        assertEquals(new Address.Drive(0, 0, 0, 0), disk.address());
        assertEquals(7200, disk.rotationRate());
        assertEquals(2L, disk.bootOrder());
        assertEquals("SER-0001", disk.serial());
        var host = DomainXmlParser.parse(TestCases.read("xml", "hostdev.xml")).devices().hostdevs().getFirst();
        assertEquals(new Address.Pci(0, 3, 0, 0), host.source());
        assertEquals(Address.Pci.slot(7), host.address());
        var vnc = DomainXmlParser.parse(TestCases.read("xml", "graphics-vnc.xml")).devices().graphics();
        assertEquals("127.0.0.1", vnc.get(0).effectiveListen());
        assertEquals("0.0.0.0", vnc.get(1).effectiveListen());
        assertTrue(vnc.get(1).isAutoport());
        var video = DomainXmlParser.parse(TestCases.read("xml", "video-gop.xml")).devices().videos().getFirst();
        assertEquals(1920, video.resolutionX());
        assertEquals(1080, video.resolutionY());
        var rng = DomainXmlParser.parse(TestCases.read("xml", "rng.xml")).devices().rngs().getFirst();
        assertEquals("/dev/random", rng.backendSource());
        var nmdm = DomainXmlParser.parse(TestCases.read("xml", "serial-nmdm.xml")).devices().serials();
        assertEquals("/dev/nmdm0A", nmdm.get(0).master());
        assertNull(nmdm.get(1).master());
    }

    @Test
    void errorsCarryTheirKind() {
        var e = assertThrows(DomainXmlException.class, () -> DomainXmlParser.parse(domain("<memory>1</memory>",
                "<devices><tpm/></devices>")));
        assertEquals(DomainXmlException.Kind.CONFIG_UNSUPPORTED, e.kind());
        assertEquals("unsupported element <tpm> in <devices>", e.detail());
    }
}
