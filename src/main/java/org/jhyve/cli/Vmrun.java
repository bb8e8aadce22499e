package org.jhyve.cli;

import org.jhyve.boot.KernelLoader;
import org.jhyve.config.ConfigException;
import org.jhyve.config.Sizes;
import org.jhyve.home.HomeStatus;
import org.jhyve.home.VmHome;
import org.jhyve.home.VmHomes;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code vmrun}: FreeBSD's vmrun.sh loop for jhyve. Removes what is left of an earlier run of
 * the VM, then loads the kernel (jhyveload's work) and runs jhyve, again and again while the guest
 * reboots (exit 0); stops on power-off, halt, triple fault or error; removes the VM after 0, 1
 * or 2; exits with jhyve's status.
 */
public final class Vmrun {
    static final String PROG = "vmrun";
    static final String OPTSTRING = "c:m:t:d:C:k:r:K:n:p:G:uwAahEe:f:F:H:iI:l:L:P:vT";
    static final long DISK_SIZE = 8L << 30;
    static final String USAGE = """
            Usage: vmrun [-aAhuw] [-c <CPUs>] [-C <console>] [-d <disk file>] [-G [w][address:]port]
                         [-m <memsize>] [-n <network adapter emulation type>] [-p <pcidev|bus/slot/func>]
                         [-t <tapdev>] -k <kernel> [-r <initrd>] [-K <kernel command line>] <vmname>
                   -h: display this help message
                   -a: force memory mapped local APIC access (jhyve -a)
                   -A: use AHCI disk emulation instead of virtio
                   -c: number of virtual CPUs (default: 2)
                   -C: console device (default: stdio)
                   -d: virtio diskdev file (created with 8G if missing)
                   -G: bind the GDB server to this port
                   -m: memory size (default: 512M)
                   -n: network adapter emulation type (default: virtio-net)
                   -p: pass-through a host PCI device
                   -t: tap device for virtio-net (default: no network)
                   -u: configure the guest RTC to keep UTC time
                   -w: ignore unimplemented MSRs
                   -k: Linux kernel (bzImage) or PVH ELF kernel, loaded before every boot (jhyveload)
                   -r: initrd (initramfs) for the kernel
                   -K: kernel command line (default: console=ttyS0)
               not on Linux/jhyve yet: -E, -f, -F, -L, -P, -v (UEFI boot ROM and VNC framebuffer),
                   -e, -H, -i, -I, -l (FreeBSD's loader and installation ISOs), -T
            """;

    private Vmrun() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err, VmHomes.fromEnvironment(), Vmrun::startJhyve);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /** @param jhyve runs one jhyve with the given arguments and returns its exit status */
    static int run(String[] args, PrintStream out, PrintStream err, VmHomes homes, Function<List<String>, Integer> jhyve) {
        ShortOptions o;
        try {
            o = ShortOptions.parse(args, OPTSTRING);
        } catch (ShortOptions.UsageException e) {
            err.println(PROG + ": " + e.getMessage());
            err.print(USAGE);
            return 1;
        }
        if (o.has('h')) {
            out.print(USAGE);
            return 0;
        }
        for (char c : "EfFLPveHiIlT".toCharArray()) {
            if (o.has(c)) {
                err.println(PROG + ": -" + c + " is not available with jhyve on Linux (see the usage)");
                return 1;
            }
        }
        if (o.operands().size() != 1) {
            err.println(PROG + ": " + (o.operands().isEmpty() ? "missing vmname" : "one vmname expected, got " + o.operands()));
            err.print(USAGE);
            return 1;
        }
        if (!o.has('k')) {
            err.println(PROG + ": no kernel given (-k); jhyve boots Linux and PVH kernels directly");
            err.print(USAGE);
            return 1;
        }
        String name = o.operands().getFirst();
        VmHome home;
        long mem;
        KernelLoader.Request req;
        List<String> jhyveArgs;
        try {
            home = homes.home(name);
            mem = Sizes.parseMemory(o.get('m', "512M"));
            req = new KernelLoader.Request(Path.of(o.get('k')), o.has('r') ? Path.of(o.get('r')) : null,
                    o.get('K', "console=ttyS0"));
            jhyveArgs = jhyveArgs(o, name);
            if (o.has('d')) createDisk(Path.of(o.get('d')), out);
            destroyStale(home, out);
        } catch (ConfigException | IllegalStateException e) {
            err.println(PROG + ": " + e.getMessage());
            return 1;
        }
        int status;
        while (true) {
            try {
                Jhyveload.load(home, mem, req);
            } catch (ConfigException | IllegalStateException | IllegalArgumentException e) {
                err.println(PROG + ": loading " + req.kernel() + " failed: " + e.getMessage());
                status = 1;
                break;
            }
            out.println("Launching virtual machine \"" + name + "\" ...");
            out.flush();
            status = jhyve.apply(jhyveArgs);
            if (status != 0) break;
        }
        if (status <= 2) {
            try {
                if (home.status().isPresent()) Jhyvectl.destroy(home, home.requireStatus());
            } catch (RuntimeException e) {
                err.println(PROG + ": could not remove VM '" + name + "': " + e.getMessage());
            }
        }
        return status;
    }

    /** vmrun.sh's bhyve command line: -H -A -P, hostbridge in slot 0, lpc in slot 1, devices from slot 2. */
    static List<String> jhyveArgs(ShortOptions o, String name) {
        List<String> a = new ArrayList<>(List.of("-c", o.get('c', "2"), "-m", o.get('m', "512M"), "-H", "-A", "-P"));
        if (o.has('a')) a.add("-a");
        if (o.has('u')) a.add("-u");
        if (o.has('w')) a.add("-w");
        if (o.has('G')) a.addAll(List.of("-G", o.get('G')));
        a.addAll(List.of("-s", "0:0,hostbridge", "-s", "1:0,lpc"));
        int slot = 2;
        if (o.has('t')) a.addAll(List.of("-s", slot++ + ":0," + o.get('n', "virtio-net") + "," + o.get('t')));
        if (o.has('d')) a.addAll(List.of("-s", slot++ + ":0," + (o.has('A') ? "ahci-hd" : "virtio-blk") + "," + o.get('d')));
        if (o.has('p')) a.addAll(List.of("-s", slot + ":0,passthru," + o.get('p')));
        a.addAll(List.of("-l", "com1," + o.get('C', "stdio"), name));
        return a;
    }

    private static void createDisk(Path disk, PrintStream out) {
        if (Files.exists(disk)) return;
        out.println("Creating a new virtual disk image of size 8G at " + disk);
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(DISK_SIZE);
        } catch (IOException e) {
            throw new ConfigException("cannot create disk image " + disk + ": " + e.getMessage());
        }
    }

    /** What an earlier run left (loaded, stopped or stale) goes; a running VM is refused. */
    private static void destroyStale(VmHome home, PrintStream out) {
        HomeStatus st = home.status().orElse(null);
        if (st == null) return;
        switch (st.state()) {
            case RUNNING, LOADING -> throw new ConfigException("VM '" + home.name() + "' is " + st.state().word + " (" + st.program()
                    + " pid " + st.pid() + "); stop it first (jhyvectl --vm=" + home.name() + " --destroy)");
            case STALE -> {
                out.println("Destroying stale VM \"" + home.name() + "\" (" + st.program() + " pid " + st.pid() + " is gone)");
                Jhyvectl.destroy(home, st);
            }
            case LOADED, STOPPED -> Jhyvectl.destroy(home, st);
        }
    }

    /** One jhyve in a child JVM on this terminal; SIGTERM to vmrun is passed on (the power button). */
    static int startJhyve(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xss512k", "-cp",
                System.getProperty("java.class.path"), Jhyve.class.getName()));
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            Signals.onTerminate(() -> p.toHandle().destroy());
            return p.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start jhyve: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 4;
        }
    }
}
