package org.jhyve.mgmt.xml;

import java.util.List;

/**
 * One libvirt domain definition as the bhyve driver understands it. Values the XML did not give
 * are null (or empty), so that writing the model back reproduces the input rather than adding
 * defaults; the conversions apply libvirt's defaults themselves.
 *
 * @param memoryKiB        {@code <memory>} in KiB
 * @param currentMemoryKiB {@code <currentMemory>} in KiB, null when absent
 * @param commandline      the {@code <bhyve:commandline>} arguments
 */
public record Domain(String type, String name, String uuid, String title, String description, long memoryKiB,
                     Long currentMemoryKiB, boolean memoryLocked, int vcpus, String vcpuPlacement,
                     CpuTopology topology, List<VcpuPin> vcpuPins, Os os, String bootloader, String bootloaderArgs,
                     Features features, String clockOffset, String onPoweroff, String onReboot, String onCrash,
                     Sysinfo sysinfo, Devices devices, List<String> commandline) {
    public static final String BHYVE_NS = "http://libvirt.org/schemas/domain/bhyve/1.0";

    public Domain {
        vcpuPins = List.copyOf(vcpuPins);
        commandline = List.copyOf(commandline);
        if (features == null) features = Features.NONE;
        if (devices == null) devices = Devices.EMPTY;
        if (os == null) os = Os.hvm();
    }

    public Domain withUuid(String u) {
        return new Domain(type, name, u, title, description, memoryKiB, currentMemoryKiB, memoryLocked, vcpus,
                vcpuPlacement, topology, vcpuPins, os, bootloader, bootloaderArgs, features, clockOffset, onPoweroff,
                onReboot, onCrash, sysinfo, devices, commandline);
    }

    public Domain withOs(Os o) {
        return new Domain(type, name, uuid, title, description, memoryKiB, currentMemoryKiB, memoryLocked, vcpus,
                vcpuPlacement, topology, vcpuPins, o, bootloader, bootloaderArgs, features, clockOffset, onPoweroff,
                onReboot, onCrash, sysinfo, devices, commandline);
    }

    public Domain withDevices(Devices d) {
        return new Domain(type, name, uuid, title, description, memoryKiB, currentMemoryKiB, memoryLocked, vcpus,
                vcpuPlacement, topology, vcpuPins, os, bootloader, bootloaderArgs, features, clockOffset, onPoweroff,
                onReboot, onCrash, sysinfo, d, commandline);
    }

    /** The clock offset with libvirt's default (utc) applied. */
    public String clockOffsetOrDefault() { return clockOffset == null ? "utc" : clockOffset; }

    public String onPoweroffOrDefault() { return onPoweroff == null ? "destroy" : onPoweroff; }

    public String onRebootOrDefault() { return onReboot == null ? "restart" : onReboot; }

    public String onCrashOrDefault() { return onCrash == null ? "destroy" : onCrash; }
}
