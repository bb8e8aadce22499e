package org.jhyve.mgmt.argv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jhyve.mgmt.xml.Disk;
import org.jhyve.mgmt.xml.Domain;
import org.jhyve.mgmt.xml.DomainXmlException;

/**
 * The loader line: none for a boot ROM; jhyveload (with -m, -d and the name, or the given
 * bootloader_args); grub-bhyve with a generated device.map; or any other program with its
 * bootloader_args.
 */
final class LoaderCommand {
    private LoaderCommand() {}

    static NativeCommands build(Domain d, ConversionOptions o, List<String> jhyve) throws DomainXmlException {
        if (d.bootloader() == null && d.os().loader() != null) return new NativeCommands(List.of(), jhyve, null, null);
        if (d.os().directKernel()) return kernel(d, o, jhyve);
        var args = d.bootloaderArgs() == null ? null : splitArgs(d.bootloaderArgs());
        if (d.bootloader() == null) {
            var cmd = new ArrayList<String>();
            cmd.add(o.loaderProgram());
            if (args != null) {
                cmd.addAll(args);
            } else {
                var disk = bootDisk(d);
                cmd.addAll(List.of("-m", Long.toString(DomainToArgv.memoryMiB(d)), "-d", disk.sourceFile(), d.name()));
            }
            return new NativeCommands(cmd, jhyve, null, null);
        }
        if (args == null && d.bootloader().contains("grub-bhyve")) return grub(d, o, jhyve);
        if (args == null) {
            throw DomainXmlException.unsupported("Custom loader requires explicit bootloader_args configuration");
        }
        var cmd = new ArrayList<String>();
        cmd.add(d.bootloader());
        cmd.addAll(args);
        return new NativeCommands(cmd, jhyve, null, null);
    }

    /** jhyve loads the kernel itself (no loader line), or jhyveload -k does. */
    private static NativeCommands kernel(Domain d, ConversionOptions o, List<String> jhyve) {
        if (o.kernelBoot() == ConversionOptions.KernelBoot.JHYVE) return new NativeCommands(List.of(), jhyve, null, null);
        var os = d.os();
        var cmd = new ArrayList<>(List.of(o.loaderProgram(), "-m", Long.toString(DomainToArgv.memoryMiB(d)), "-k",
                os.kernel()));
        if (os.initrd() != null) cmd.addAll(List.of("-i", os.initrd()));
        if (os.cmdline() != null) cmd.addAll(List.of("-c", os.cmdline()));
        if (d.memoryLocked()) cmd.add("-S");
        cmd.add(d.name());
        return new NativeCommands(cmd, jhyve, null, null);
    }

    /** bootloader_args are split on whitespace; like libvirt there is no quoting. */
    static List<String> splitArgs(String s) {
        return Arrays.stream(s.strip().split("\\s+")).filter(x -> !x.isEmpty()).toList();
    }

    private static boolean usable(Disk disk) {
        return ("file".equals(disk.type()) || "volume".equals(disk.type()))
                && List.of("disk", "cdrom").contains(disk.deviceOrDefault()) && disk.sourceFile() != null;
    }

    /** The disk jhyveload reads the kernel from: by {@code <boot dev>}, else the one boot order, else the first. */
    static Disk bootDisk(Domain d) throws DomainXmlException {
        var disks = d.devices().disks();
        if (disks.isEmpty()) throw DomainXmlException.unsupported("Domain should have at least one disk defined");
        var boots = d.os().bootDevs();
        if (boots.size() > 1) throw DomainXmlException.unsupported("Only one boot device is supported");
        if (boots.size() == 1) {
            String want = switch (boots.getFirst()) {
                case "cdrom" -> "cdrom";
                case "hd" -> "disk";
                default -> throw DomainXmlException.unsupported("Cannot boot from device " + boots.getFirst());
            };
            return disks.stream().filter(LoaderCommand::usable).filter(x -> x.deviceOrDefault().equals(want)).findFirst()
                    .orElseThrow(() -> DomainXmlException.unsupported("Cannot find boot device of requested type " + boots.getFirst()));
        }
        Disk match = null;
        for (var x : disks) {
            if (!usable(x) || x.bootOrder() == null) continue;
            if (match != null) throw DomainXmlException.unsupported("Only one boot device is supported");
            match = x;
        }
        if (match != null) return match;
        return disks.stream().filter(LoaderCommand::usable).findFirst()
                .orElseThrow(() -> DomainXmlException.unsupported("Domain has no disk a loader can read"));
    }

    private static NativeCommands grub(Domain d, ConversionOptions o, List<String> jhyve) throws DomainXmlException {
        Disk cd = null, hd = null, chosen = null;
        long best = Long.MAX_VALUE;
        for (var x : d.devices().disks()) {
            if (!usable(x)) continue;
            if (x.bootOrder() != null && x.bootOrder() < best) {
                chosen = x;
                best = x.bootOrder();
                continue;
            }
            if (cd == null && x.isCdrom()) cd = x;
            if (hd == null && !x.isCdrom()) hd = x;
        }
        var map = new StringBuilder();
        if (chosen != null) {
            map.append(mapLine(chosen));
        } else {
            if (hd != null) map.append(mapLine(hd));
            if (cd != null) map.append(mapLine(cd));
        }
        boolean rootCd = chosen != null ? chosen.isCdrom() : cd != null;
        var path = o.stateDir().resolve("grub_bhyve-" + d.name() + "-device.map").toString();
        var cmd = new ArrayList<>(List.of(d.bootloader(), "--root", rootCd ? "cd" : "hd0,msdos1", "--device-map", path,
                "--memory", Long.toString(DomainToArgv.memoryMiB(d))));
        if (!d.devices().serials().isEmpty()) {
            var s = d.devices().serials().getFirst();
            if (!"nmdm".equals(s.type())) throw DomainXmlException.unsupported("only nmdm console types are supported");
            cmd.add("--cons-dev");
            cmd.add(s.master());
        }
        cmd.add(d.name());
        return new NativeCommands(cmd, jhyve, map.toString(), path);
    }

    private static String mapLine(Disk x) {
        return (x.isCdrom() ? "(cd) " : "(hd0) ") + x.sourceFile() + "\n";
    }
}
