package org.jhyve.vm;

import org.jhyve.config.Topology;

import java.util.BitSet;
import java.util.Map;

/**
 * The machine-level settings the VM core needs, resolved from the configuration tree once.
 *
 * @param cpusets     host CPUs per vCPU index (-p), absent entries are not pinned
 * @param strictIo    -e: an access to an unemulated I/O port ends the VM (status 4)
 * @param strictMsr   x86.strictmsr: unknown MSRs raise #GP (false: read 0, writes ignored)
 * @param wired       -S: lock guest memory in RAM
 * @param guestInCore -C: include guest memory in core dumps
 * @param exitOnPause -P: let PAUSE loops exit (KVM's pause-loop exiting); off disables it
 * @param cpuidMask   jhyve.cpuid.clear: CPUID bits hidden from the guest
 * @param syscallFix  jhyve.syscall_fix: complete SYSCALLs the host's KVM leaves unfinished
 *                    ({@link SyscallEntryFix})
 */
public record MachineSpec(String name, long memorySize, Topology topology, boolean x2apic, boolean strictIo,
                          boolean strictMsr, boolean wired, boolean guestInCore, boolean exitOnPause,
                          Map<Integer, BitSet> cpusets, CpuidMask cpuidMask, boolean syscallFix) {
    public MachineSpec {
        if (cpusets == null) cpusets = Map.of();
        if (cpuidMask == null) cpuidMask = CpuidMask.NONE;
    }

    /** A machine that hides no CPUID bits. */
    public MachineSpec(String name, long memorySize, Topology topology, boolean x2apic, boolean strictIo,
                       boolean strictMsr, boolean wired, boolean guestInCore, boolean exitOnPause,
                       Map<Integer, BitSet> cpusets) {
        this(name, memorySize, topology, x2apic, strictIo, strictMsr, wired, guestInCore, exitOnPause, cpusets, CpuidMask.NONE,
                false);
    }

    /** A plain machine for tests: 1 socket, bhyve's defaults otherwise. */
    public static MachineSpec simple(String name, long memorySize, int cpus) {
        return new MachineSpec(name, memorySize, new Topology(cpus, 1, cpus, 1), false, false, true, false, false,
                false, Map.of());
    }
}
