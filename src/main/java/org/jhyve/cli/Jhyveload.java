package org.jhyve.cli;

import org.jhyve.boot.BootState;
import org.jhyve.boot.KernelLoader;
import org.jhyve.config.ConfigException;
import org.jhyve.config.Sizes;
import org.jhyve.firmware.Layout;
import org.jhyve.home.HomeOwner;
import org.jhyve.home.HomeStatus;
import org.jhyve.home.VmHome;
import org.jhyve.home.VmHomes;
import org.jhyve.machine.Machine;
import org.jhyve.vm.GuestMemory;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code jhyveload}: bhyveload's role for Linux guests. Creates the VM's home (or reinitialises
 * it, as bhyveload does with an existing VM), places the kernel, initrd and command line in its
 * guest memory and records the boot state; {@code jhyve NAME} then runs it. Exit status 0, or 1
 * on any error (as bhyveload).
 */
public final class Jhyveload {
    static final String PROG = "jhyveload";
    static final String OPTSTRING = "Sm:k:i:c:o:d:h:e:l:C";
    static final int ERROR = 1;
    static final String USAGE = """
            usage: jhyveload [-S] [-m mem-size] -k kernel [-i initrd] [-c cmdline] vmname
                   -m: guest memory size (default 256M, as bhyveload); give jhyve the same -m
                   -k: a Linux bzImage (vmlinuz, 64-bit boot protocol 2.12 or later)
                       or an ELF kernel with a PVH entry note
                   -i: initrd (initramfs) image, placed below the kernel's initrd_addr_max
                   -c: kernel command line, e.g. "console=ttyS0 root=/dev/vda1"
                       (bhyveload's -c names a console device; the console is jhyve's -l com1,...)
                   -S: accepted for bhyveload compatibility: jhyve -S wires guest memory
               not on Linux: bhyveload's -d disk, -h host-path, -e name=value and -l loader
                   drive FreeBSD's loader, which jhyveload does not run; give the kernel with -k
                   and its arguments with -c.
            """;

    private Jhyveload() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err, VmHomes.fromEnvironment());
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    static int run(String[] args, PrintStream out, PrintStream err, VmHomes homes) {
        ShortOptions o;
        try {
            o = ShortOptions.parse(args, OPTSTRING);
        } catch (ShortOptions.UsageException e) {
            err.println(PROG + ": " + e.getMessage());
            err.print(USAGE);
            return ERROR;
        }
        for (char c : new char[] {'d', 'h', 'e', 'l', 'C'}) {
            if (o.has(c)) {
                err.println(PROG + ": -" + c + " is bhyveload's option for FreeBSD's loader and has no meaning on Linux;"
                        + " give the kernel with -k (see jhyveload's usage)");
                return ERROR;
            }
        }
        if (o.operands().size() != 1) {
            err.println(PROG + ": " + (o.operands().isEmpty() ? "missing vmname" : "one vmname expected, got " + o.operands()));
            err.print(USAGE);
            return ERROR;
        }
        if (!o.has('k')) {
            err.println(PROG + ": no kernel given (-k KERNEL); jhyveload boots Linux bzImages and PVH ELF kernels");
            err.print(USAGE);
            return ERROR;
        }
        try {
            long mem = Sizes.parseMemory(o.get('m', "256M"));
            String initrd = o.get('i');
            KernelLoader.Request req = new KernelLoader.Request(Path.of(o.get('k')), initrd == null ? null : Path.of(initrd),
                    o.get('c', ""));
            BootState boot = load(homes.home(o.operands().getFirst()), mem, req);
            out.println(PROG + ": " + o.operands().getFirst() + ": " + describe(boot));
            return 0;
        } catch (ConfigException | IllegalArgumentException | IllegalStateException e) {
            err.println(PROG + ": " + e.getMessage());
            return ERROR;
        }
    }

    /**
     * Loads a kernel into a VM home, creating it or reinitialising a loaded or stopped one; a
     * running, loading or stale VM is refused. Used by jhyveload and vmrun.
     */
    public static BootState load(VmHome home, long memorySize, KernelLoader.Request req) {
        byte[] image = KernelLoader.check(req);
        boolean created = !home.exists();
        HomeOwner owner = home.acquire(PROG, true, false);
        try {
            BootState boot;
            try (GuestMemory mem = owner.createMemory(memorySize)) {
                boot = KernelLoader.load(mem, req, image, Machine.provisionalMap(memorySize), Layout.ACPI);
            }
            owner.writeBoot(boot);
            owner.close();
            return boot;
        } catch (RuntimeException e) {
            if (created) {
                owner.destroy();
            } else {
                owner.releaseMemory();
                owner.close();
            }
            throw e;
        }
    }

    static String describe(BootState b) {
        StringBuilder s = new StringBuilder(switch (b.entry()) {
            case org.jhyve.boot.BootEntry.Linux64 l -> "Linux 64-bit boot";
            case org.jhyve.boot.BootEntry.Pvh p -> "PVH boot";
        });
        s.append(", ").append(HomeStatus.size(b.memorySize())).append(" of memory");
        for (BootState.Region r : b.placed()) {
            if (r.name().equals("kernel") || r.name().equals("initrd")) {
                s.append(String.format(", %s at 0x%x (%d bytes)", r.name(), r.address(), r.size()));
            }
        }
        return s.append(String.format(", entry 0x%x", b.entry().rip())).toString();
    }
}
