package org.jhyve.firmware;

import static org.jhyve.firmware.Bytes.ascii;
import static org.jhyve.firmware.Bytes.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;
import org.junit.jupiter.api.Test;

class FirmwareTest {
    /** The BIOS area as a guest sees it after the VMM copied the blobs. */
    private static byte[] biosArea(FirmwareImage img) {
        byte[] area = new byte[0x20000];
        for (Blob b : img.blobs()) {
            assertTrue(b.guestAddress() >= 0xE0000 && b.end() <= 0x100000, b + " outside the BIOS area");
            System.arraycopy(b.bytes(), 0, area, (int) (b.guestAddress() - 0xE0000), b.size());
        }
        return area;
    }

    @Test
    void blobsDoNotOverlapAndSitInTheirAreas() {
        FirmwareImage img = Firmware.build(Platforms.standard());
        long end = 0;
        for (Blob b : img.blobs()) {
            assertTrue(b.guestAddress() >= end, b + " overlaps");
            end = b.end();
        }
        assertEquals(0xF0000, img.blob("MPTABLE").orElseThrow().guestAddress());
        assertTrue(img.blob("MPTABLE").orElseThrow().end() <= 0xF1000);
        assertEquals(0xF1000, img.blob("SMBIOS").orElseThrow().guestAddress());
        assertTrue(img.blob("SMBIOS").orElseThrow().end() <= 0xF2400);
        assertEquals(0xF2400, img.rsdpAddress());
        assertEquals(E820Map.of(Platforms.standard()), img.e820());
    }

    @Test
    void guestsScanningTheBiosAreaFindEachAnchor() {
        byte[] area = biosArea(Firmware.build(Platforms.standard()));
        // Linux and FreeBSD search on 16-byte boundaries and check the checksum.
        int rsdp = -1, mp = -1, sm = -1;
        for (int at = 0; at < area.length - 16; at += 16) {
            if (rsdp < 0 && ascii(area, at, 8).equals("RSD PTR ") && sum(area, at, 20) == 0) rsdp = at;
            if (mp < 0 && ascii(area, at, 4).equals("_MP_") && sum(area, at, 16) == 0) mp = at;
            if (sm < 0 && ascii(area, at, 4).equals("_SM_") && sum(area, at, 0x1F) == 0) sm = at;
        }
        assertEquals(0xF2400 - 0xE0000, rsdp);
        assertEquals(0xF0000 - 0xE0000, mp);
        assertEquals(0xF1000 - 0xE0000, sm);
    }

    @Test
    void largestSlotPopulationStillFits() {
        ConfigTree c = Platforms.config("16", "8G");
        java.util.List<PciFunction> all = new java.util.ArrayList<>();
        for (int slot = 0; slot < 32; slot++) {
            for (int fn = 0; fn < 8; fn++) all.add(new PciFunction(slot, fn, fn == 0 ? 1 : 2));
        }
        c.set("pci.0.31.0.device", "lpc");
        FirmwareImage img = Firmware.build(PlatformInfo.fromConfig(c, all, Platforms.CPU, () -> "h"));
        assertTrue(img.blob("DSDT").orElseThrow().end() <= 0x100000);
    }

    @Test
    void tooManySocketsForTheSmbiosAreaAreRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Firmware.build(Platforms.of(withoutMpTable(Platforms.config("64", "1G")))));
        assertTrue(e.getMessage().contains("SMBIOS"), e.getMessage());
        ConfigTree fewSockets = withoutMpTable(Platforms.config("64", "1G"));
        fewSockets.set("sockets", "1");
        fewSockets.set("cores", "64");
        Firmware.build(Platforms.of(fewSockets));
    }

    private static ConfigTree withoutMpTable(ConfigTree c) {
        c.set("x86.mptable", "false");
        return c;
    }
}
