package org.jhyve.firmware;

import java.util.List;
import java.util.Optional;

/**
 * What the VMM copies into guest RAM before the first vCPU runs: the blobs (all inside
 * [0xF0000, 0x100000), which the E820 map reserves), the RSDP address for the PVH start info
 * or the zero page's acpi_rsdp_addr, and the memory map.
 */
public record FirmwareImage(List<Blob> blobs, long rsdpAddress, E820Map e820) {
    public FirmwareImage {
        blobs = List.copyOf(blobs);
    }

    /** The blob with that name ("MPTABLE", "SMBIOS", or an ACPI signature such as "DSDT"). */
    public Optional<Blob> blob(String name) {
        return blobs.stream().filter(b -> b.name().equals(name)).findFirst();
    }
}
