package org.jhyve.firmware;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.jhyve.config.ConfigException;
import org.jhyve.config.ConfigTree;
import org.jhyve.config.Sizes;

/**
 * Everything the firmware tables describe. {@link #fromConfig} derives it from the
 * configuration tree the way bhyve does; the VMM passes the PCI functions its bus created.
 *
 * @param vmName         the VM name (hashed into the default UUID)
 * @param apicIds        the local APIC ID of each vCPU, indexed by vCPU number
 * @param lowMemory      RAM at [0, lowMemory)
 * @param highMemory     RAM at [4 GiB, 4 GiB + highMemory)
 * @param pciFunctions   every function on PCI bus 0, including the LPC bridge
 * @param lpc            the LPC bridge's function, when there is one; the ISA devices sit below it
 * @param comPorts       the UARTs the LPC bridge provides
 */
public record PlatformInfo(
        String vmName,
        CpuTopology topology,
        List<Integer> apicIds,
        CpuIdentity cpu,
        long lowMemory,
        long highMemory,
        long ecamBase,
        int ecamStartBus,
        int ecamEndBus,
        AddressWindow pciIo,
        AddressWindow pciMem32,
        AddressWindow pciMem64,
        List<PciFunction> pciFunctions,
        Optional<PciFunction> lpc,
        List<ComPort> comPorts,
        boolean x2apic,
        boolean mpTable,
        UUID uuid,
        SmbiosStrings smbios) {

    public PlatformInfo {
        apicIds = List.copyOf(apicIds);
        pciFunctions = List.copyOf(pciFunctions);
        comPorts = List.copyOf(comPorts);
        if (apicIds.size() != topology.cpus()) {
            throw new IllegalArgumentException(apicIds.size() + " APIC IDs for " + topology.cpus() + " vCPUs");
        }
        if (new HashSet<>(apicIds).size() != apicIds.size()) throw new IllegalArgumentException("duplicate APIC IDs " + apicIds);
        for (int id : apicIds) {
            if (id < 0) throw new IllegalArgumentException("negative APIC ID " + id);
            if (!x2apic && id >= 0xFF) {
                throw new ConfigException("APIC ID " + id + " needs x2APIC mode (x86.x2apic=true): "
                        + topology.cpus() + " vCPUs");
            }
        }
        if (lowMemory <= Layout.MIB || lowMemory > pciMem32.base() || lowMemory > Layout.LOW_MEMORY_LIMIT) {
            throw new ConfigException("low memory size 0x" + Long.toHexString(lowMemory)
                    + " must be above 1 MiB and at most 3 GiB");
        }
        if (highMemory < 0) throw new IllegalArgumentException("negative high memory size " + highMemory);
        if ((ecamBase & (Layout.MIB - 1)) != 0 || ecamStartBus < 0 || ecamEndBus > 255 || ecamStartBus > ecamEndBus) {
            throw new IllegalArgumentException("bad ECAM area at 0x" + Long.toHexString(ecamBase) + " buses "
                    + ecamStartBus + ".." + ecamEndBus);
        }
        if (pciIo.end() > 0x10000) throw new IllegalArgumentException("PCI I/O window " + pciIo + " beyond port 0xFFFF");
        if (pciMem32.end() > Layout.FOUR_GIB) throw new IllegalArgumentException("32-bit PCI window " + pciMem32 + " beyond 4 GiB");
        Set<Long> addresses = new HashSet<>();
        for (PciFunction f : pciFunctions) {
            if (!addresses.add(f.acpiAddress())) {
                throw new IllegalArgumentException("PCI function " + f.slot() + ":" + f.function() + " listed twice");
            }
        }
        if (lpc.isPresent() && !pciFunctions.contains(lpc.get())) {
            throw new IllegalArgumentException("LPC bridge " + lpc.get() + " is not among the PCI functions");
        }
        if (!comPorts.isEmpty() && lpc.isEmpty()) throw new IllegalArgumentException("COM ports without an LPC bridge");
        if (new HashSet<>(comPorts).size() != comPorts.size()) throw new IllegalArgumentException("duplicate COM ports " + comPorts);
    }

    public int cpuCount() { return apicIds.size(); }

    public long totalMemory() { return lowMemory + highMemory; }

    /** Bus-0 slots with at least one function, ascending. */
    public List<Integer> pciSlots() {
        return pciFunctions.stream().map(PciFunction::slot).distinct().sorted().toList();
    }

    /**
     * The tables for a bhyve configuration tree, reading the host's CPU identity and host name
     * (the latter only for the default UUID).
     */
    public static PlatformInfo fromConfig(ConfigTree config, List<PciFunction> bus0) {
        return fromConfig(config, bus0, CpuIdentity.fromHost(), SystemUuid::hostName);
    }

    /**
     * Reads {@code name}, {@code cpus}/{@code sockets}/{@code cores}/{@code threads},
     * {@code memory.size}, {@code x86.x2apic}, {@code x86.mptable}, {@code uuid}, the SMBIOS
     * strings, the LPC bridge ({@code pci.0.S.F.device=lpc}) and its {@code lpc.comN.path} UARTs.
     * APIC IDs equal vCPU numbers, as in bhyve.
     */
    public static PlatformInfo fromConfig(ConfigTree config, List<PciFunction> bus0, CpuIdentity cpu,
                                          Supplier<String> hostName) {
        String name = config.get("name");
        if (name == null || name.isEmpty()) throw new ConfigException("no VM name given");
        CpuTopology topology = CpuTopology.fromConfig(config);
        List<Integer> apicIds = new ArrayList<>();
        for (int i = 0; i < topology.cpus(); i++) apicIds.add(i);

        long memory = Sizes.parseMemory(config.get("memory.size", "256M"));
        long low = Math.min(memory, Layout.LOW_MEMORY_LIMIT);
        long high = memory - low;
        long mem64Base = roundUp(Layout.HIGH_RAM_START + high, Layout.PCI_MEM64_SIZE);

        Optional<PciFunction> lpc = findLpc(config, bus0);
        List<ComPort> coms = new ArrayList<>();
        if (lpc.isPresent()) {
            for (ComPort c : ComPort.values()) {
                if (config.has("lpc.com" + c.number() + ".path")) coms.add(c);
            }
        }
        UUID uuid = config.has("uuid") ? SystemUuid.parse(config.get("uuid")) : SystemUuid.defaultFor(name, hostName.get());
        return new PlatformInfo(name, topology, apicIds, cpu, low, high,
                Layout.ECAM_BASE, 0, 255,
                new AddressWindow(Layout.PCI_IO_BASE, Layout.PCI_IO_END - Layout.PCI_IO_BASE),
                new AddressWindow(Layout.PCI_MEM32_BASE, Layout.PCI_MEM32_SIZE),
                new AddressWindow(mem64Base, Layout.PCI_MEM64_SIZE),
                bus0, lpc, coms,
                config.getBool("x86.x2apic", false),
                config.getBool("x86.mptable", true),
                uuid, SmbiosStrings.fromConfig(config));
    }

    private static Optional<PciFunction> findLpc(ConfigTree config, List<PciFunction> bus0) {
        for (String bus : config.children("pci")) {
            for (String slot : config.children("pci." + bus)) {
                for (String fn : config.children("pci." + bus + "." + slot)) {
                    if (!"lpc".equals(config.get("pci." + bus + "." + slot + "." + fn + ".device"))) continue;
                    if (!bus.equals("0")) throw new ConfigException("the LPC bridge must be on bus 0, not bus " + bus);
                    for (PciFunction f : bus0) {
                        if (String.valueOf(f.slot()).equals(slot) && String.valueOf(f.function()).equals(fn)) {
                            return Optional.of(f);
                        }
                    }
                    throw new IllegalArgumentException("LPC bridge pci.0." + slot + "." + fn
                            + " is configured but not among the bus-0 functions given");
                }
            }
        }
        return Optional.empty();
    }

    private static long roundUp(long v, long multiple) { return (v + multiple - 1) / multiple * multiple; }
}
