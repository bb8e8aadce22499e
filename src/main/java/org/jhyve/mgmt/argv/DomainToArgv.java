package org.jhyve.mgmt.argv;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jhyve.mgmt.xml.Address;
import org.jhyve.mgmt.xml.Domain;
import org.jhyve.mgmt.xml.DomainXmlException;

/**
 * Domain XML to the jhyve (and loader) command line, in libvirt's argument order: -c, -p, -m, -S,
 * -A, -w, -u, -H -P, the host bridge, the boot ROM, then controllers, NICs, virtio disks, the
 * framebuffer, sound, filesystems, serial ports, RNGs, the bhyve:commandline pass-through, PCI
 * pass-through, SMBIOS strings and finally the name.
 */
public final class DomainToArgv {
    private DomainToArgv() {}

    /** Prepares the domain (defaults, addresses) and builds both command lines. */
    public static NativeCommands convert(Domain domain, ConversionOptions o) throws DomainXmlException {
        var d = DomainPreparer.prepare(domain, o);
        var jhyve = jhyveArgs(d, o);
        return LoaderCommand.build(d, o, jhyve);
    }

    static List<String> jhyveArgs(Domain d, ConversionOptions o) throws DomainXmlException {
        var a = new ArrayList<String>();
        a.add(o.jhyveProgram());
        a.add("-c");
        a.add(cpus(d));
        pins(d, a);
        a.add("-m");
        a.add(Long.toString(memoryMiB(d)));
        if (d.memoryLocked()) a.add("-S");
        if (d.features().acpi()) a.add("-A");
        if ("ignore".equals(d.features().msrsUnknown())) a.add("-w");
        switch (d.clockOffsetOrDefault()) {
            case "utc" -> a.add("-u");
            case "localtime" -> {}
            default -> throw DomainXmlException.unsupported("unsupported clock offset '" + d.clockOffset() + "'");
        }
        // HLT and PAUSE exits let idle or spinning guests give the host CPU back.
        a.add("-H");
        a.add("-P");
        a.add("-s");
        a.add("0:0,hostbridge");
        var loader = d.os().loader();
        if (d.bootloader() == null && loader != null) {
            var rom = new StringBuilder("bootrom,").append(loader.path());
            if (d.os().nvram() != null) rom.append(',').append(d.os().nvram().path());
            rom.append(",fwcfg=qemu");
            a.add("-l");
            a.add(rom.toString());
        }
        DeviceArgs.devices(d, o, a);
        a.addAll(d.commandline());
        DeviceArgs.hostdevs(d, a);
        Smbios.options(d, a);
        kernel(d, o, a);
        a.add(d.name());
        return a;
    }

    /** Direct kernel boot by jhyve itself: its one-step loader options. */
    private static void kernel(Domain d, ConversionOptions o, List<String> a) throws DomainXmlException {
        var os = d.os();
        if (!os.directKernel()) return;
        if (d.bootloader() != null || os.loader() != null) {
            throw DomainXmlException.unsupported("<kernel> in <os> cannot be combined with "
                    + (d.bootloader() != null ? "<bootloader>" : "<loader>"));
        }
        if (o.kernelBoot() != ConversionOptions.KernelBoot.JHYVE) return;
        a.add("-o");
        a.add("jhyve.kernel=" + os.kernel());
        if (os.initrd() != null) {
            a.add("-o");
            a.add("jhyve.initrd=" + os.initrd());
        }
        if (os.cmdline() != null) {
            a.add("-o");
            a.add("jhyve.cmdline=" + os.cmdline());
        }
    }

    static long memoryMiB(Domain d) { return (d.memoryKiB() + 1023) / 1024; }

    private static String cpus(Domain d) throws DomainXmlException {
        var t = d.topology();
        if (t == null) return Integer.toString(d.vcpus());
        if (t.dies() != null && t.dies() != 1) throw DomainXmlException.unsupported("Only 1 die per socket is supported");
        if (t.clusters() != null && t.clusters() != 1) throw DomainXmlException.unsupported("Only 1 cluster per die is supported");
        if (d.vcpus() != t.product()) {
            throw DomainXmlException.unsupported("Invalid CPU topology: total number of vCPUs (" + d.vcpus()
                    + ") must equal the product of sockets, cores, and threads (" + t.product() + ")");
        }
        return "cpus=" + d.vcpus() + ",sockets=" + t.sockets() + ",cores=" + t.cores() + ",threads=" + t.threads();
    }

    private static void pins(Domain d, List<String> a) throws DomainXmlException {
        var seen = new java.util.HashSet<Integer>();
        var pins = new ArrayList<>(d.vcpuPins());
        pins.sort(Comparator.comparingInt(org.jhyve.mgmt.xml.VcpuPin::vcpu));
        for (var p : pins) {
            if (p.vcpu() >= d.vcpus()) {
                throw DomainXmlException.unsupported("vcpupin for vCPU " + p.vcpu() + " but the domain has only "
                        + d.vcpus() + " vCPUs");
            }
            if (!seen.add(p.vcpu())) throw DomainXmlException.xml("duplicate vcpupin for vCPU " + p.vcpu());
            for (int cpu : CpuSet.parse(p.cpuset())) {
                a.add("-p");
                a.add(p.vcpu() + ":" + cpu);
            }
        }
    }

    static String slot(Address a) {
        var p = (Address.Pci) a;
        return p.slot() + ":" + p.function();
    }
}
