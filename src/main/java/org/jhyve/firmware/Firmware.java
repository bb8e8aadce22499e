package org.jhyve.firmware;

import java.util.ArrayList;
import java.util.List;
import org.jhyve.config.ConfigException;
import org.jhyve.firmware.acpi.AcpiTables;

/**
 * The one entry point: all firmware tables for a platform, placed in the BIOS area
 * (MP table at 0xF0000, SMBIOS at 0xF1000, ACPI from 0xF2400 to 1 MiB).
 */
public final class Firmware {
    private Firmware() {}

    public static FirmwareImage build(PlatformInfo p) {
        List<Blob> blobs = new ArrayList<>();
        if (p.mpTable()) {
            blobs.add(new Blob("MPTABLE", Layout.MP_TABLE, MpTable.build(p, Layout.MP_TABLE, Layout.MP_TABLE_MAX)));
        }
        byte[] smbios = Smbios.build(p, Layout.SMBIOS);
        if (smbios.length > Layout.SMBIOS_MAX) {
            throw new ConfigException("SMBIOS tables of " + smbios.length + " bytes exceed their " + Layout.SMBIOS_MAX
                    + "-byte area (" + p.topology().sockets() + " sockets, or long SMBIOS strings)");
        }
        blobs.add(new Blob("SMBIOS", Layout.SMBIOS, smbios));
        AcpiTables.Result acpi = AcpiTables.build(p, Layout.ACPI, Layout.ACPI_END);
        blobs.addAll(acpi.blobs());
        return new FirmwareImage(blobs, acpi.rsdpAddress(), E820Map.of(p));
    }
}
