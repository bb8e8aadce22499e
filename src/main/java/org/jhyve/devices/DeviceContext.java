package org.jhyve.devices;

import org.jhyve.bus.Bus;
import org.jhyve.bus.IrqLine;
import org.jhyve.bus.MsiSink;
import org.jhyve.config.ConfigTree;
import org.jhyve.devices.pci.PciRoot;
import org.jhyve.vm.VmControl;

import java.util.function.IntFunction;

/**
 * Everything a device needs when it is created: the configuration tree and its own node in it
 * (e.g. "pci.0.3.0"), the two buses, interrupt wires by GSI, MSI delivery, the VM's exit control,
 * the RAM layout (bytes below and above 4 GiB), the host hooks and the PCI root it joins.
 */
public record DeviceContext(ConfigTree config, String node, Bus pio, Bus mmio, IntFunction<IrqLine> gsi,
                            MsiSink msi, VmControl vm, long lowMem, long highMem, HostHooks host, PciRoot pci) {

    /** The same context for another node. */
    public DeviceContext withNode(String otherNode) {
        return new DeviceContext(config, otherNode, pio, mmio, gsi, msi, vm, lowMem, highMem, host, pci);
    }

    public DeviceContext withPci(PciRoot root) {
        return new DeviceContext(config, node, pio, mmio, gsi, msi, vm, lowMem, highMem, host, root);
    }

    /** A variable of this device's node ("path" reads node + ".path"). */
    public String get(String variable) { return config.get(node + "." + variable); }
}
