package org.jhyve.firmware.acpi;

import org.jhyve.firmware.LeBuffer;
import org.jhyve.firmware.PlatformInfo;

/** PCI Express memory-mapped configuration space: one allocation for segment 0. */
public final class Mcfg {
    private Mcfg() {}

    public static byte[] build(PlatformInfo p) {
        LeBuffer b = AcpiHeader.begin("MCFG", 1);
        b.zeros(8);
        // The base address is that of bus 0 even when the decoded range starts later.
        b.u64(p.ecamBase()).u16(0).u8(p.ecamStartBus()).u8(p.ecamEndBus()).u32(0);
        return AcpiHeader.finish(b);
    }
}
