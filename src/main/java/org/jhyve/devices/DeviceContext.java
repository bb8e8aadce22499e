package org.jhyve.devices;

import org.jhyve.bus.Bus;
import org.jhyve.bus.FastIo;
import org.jhyve.bus.IrqLine;
import org.jhyve.bus.MsiSink;
import org.jhyve.config.ConfigTree;
import org.jhyve.devices.pci.PciRoot;
import org.jhyve.vm.GuestMemory;
import org.jhyve.vm.VmControl;

import java.util.function.IntFunction;

/**
 * Everything a device needs when it is created: the configuration tree and its own node in it
 * (e.g. "pci.0.3.0"), the two buses, interrupt wires by GSI, MSI delivery, the VM's exit control,
 * the RAM layout (bytes below and above 4 GiB), the host hooks, the PCI root it joins, and guest
 * RAM for devices that do DMA (null in unit tests of devices that do none), and the hypervisor's
 * eventfd fast paths (null without KVM: devices then use the buses and the MSI sink).
 */
public record DeviceContext(ConfigTree config, String node, Bus pio, Bus mmio, IntFunction<IrqLine> gsi,
                            MsiSink msi, VmControl vm, long lowMem, long highMem, HostHooks host, PciRoot pci,
                            GuestMemory memory, FastIo fastIo) {

    /** The same context for another node. */
    public DeviceContext withNode(String otherNode) {
        return new DeviceContext(config, otherNode, pio, mmio, gsi, msi, vm, lowMem, highMem, host, pci, memory, fastIo);
    }

    public DeviceContext withPci(PciRoot root) {
        return new DeviceContext(config, node, pio, mmio, gsi, msi, vm, lowMem, highMem, host, root, memory, fastIo);
    }

    /** A variable of this device's node ("path" reads node + ".path"). */
    public String get(String variable) { return config.get(node + "." + variable); }
}
