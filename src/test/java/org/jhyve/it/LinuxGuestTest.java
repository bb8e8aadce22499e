package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stock Debian kernel (linux-image-cloud-amd64) with a busybox initramfs, booted the way a
 * bhyve user boots: jhyveload, then jhyve with the standard devices and COM1 on stdio. Opt-in
 * (mvn test -Pslow): on this project's machines guest kernel mode is emulated and a boot takes
 * minutes. Each test boots once and ends the guest one way.
 */
@Tag("linux")
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class LinuxGuestTest {
    static final Duration BOOT = Duration.ofMinutes(Long.getLong("jhyve.linux.boot.minutes", 40));
    static final Duration COMMAND = Duration.ofMinutes(5);
    static final int EXECS = Integer.getInteger("jhyve.linux.execs", 40);
    static final String MEM = "512M";
    /**
     * Guest options for hosts whose KVM emulates guest kernel mode (real hosts need none).
     * Not noxsave: guest user mode on this host sees the host's XCR0 (AVX, AVX-512) whatever
     * the guest kernel enabled, so glibc uses those registers, and a kernel that only switches
     * the FXSAVE state between processes lets them leak from one process to another (a
     * busybox's TLS set-up then read a zeroed locale pointer: docs/linux-boot.md). With XSAVE
     * the kernel switches all of it, through XSAVES/XRSTORS that jhyve emulates.
     * - clearcpuid=137,147,148 (SSSE3, SSE4.1, SSE4.2): the kernel's built-in blake2s (the
     *   random pool) would run SSSE3 code in kernel mode, which neither KVM's emulator nor
     *   jhyve's carries out. A CPUID mask cannot hide them here: this host's guests read the
     *   standard CPUID leaves from the host, whatever KVM_SET_CPUID2 says;
     * - clearcpuid=308 (SMAP): with SMAP every access to user memory in the kernel is bracketed
     *   by STAC/CLAC, which KVM's emulator refuses, so each costs an exit to jhyve's emulator;
     *   without it the kernel leaves NOPs there (jhyve still emulates both for SMAP guests);
     * - mitigations=off and initcall_blacklist= of ftrace's weak-function check (a kallsyms
     *   lookup per traced function) and of tracefs's set-up (its eval-map update rewrites every
     *   trace event's format): emulated kernel time only, minutes of it; the tests use none.
     */
    static final String CMDLINE = System.getProperty("jhyve.linux.cmdline",
            "console=ttyS0 clearcpuid=137,147,148,308 cryptomgr.notests i8042.noaux mitigations=off"
            + " initcall_blacklist=ftrace_check_for_weak_functions,tracer_init_tracefs rdinit=/init");
    /**
     * CPUID bits hidden from this guest (jhyve.cpuid.clear): 0x40000001 EAX bits 7, 11, 13 (KVM
     * PV_UNHALT, PV_SEND_IPI, PV_SCHED_YIELD). On a host that emulates guest kernel mode KVM's
     * emulator "fixes" a VMCALL and re-executes it forever, so the second vCPU's first
     * paravirtual IPI hung the boot; hidden, the guest uses the local APIC and spinlocks without
     * hypercalls. Real hosts need no mask.
     */
    static final String CPUID_MASK = System.getProperty("jhyve.linux.cpuid.clear", "0x40000001:eax:0x2880");

    static final Path TIMES = Path.of("target", "linux-boot-times.txt");

    static Path kernel, initramfs;

    @BeforeAll
    static void files(@TempDir Path dir) {
        KvmAvailable.require();
        kernel = LinuxGuestFiles.kernel();
        initramfs = LinuxGuestFiles.initramfs(dir);
    }

    static JhyveProcess boot(String vm, String... devices) {
        return boot(List.of(), vm, devices);
    }

    /** Loads and starts a VM; prefix runs jhyve through a command (ip netns exec NS). */
    static JhyveProcess boot(List<String> prefix, String vm, String... devices) {
        NamedVmTest.ctl("--vm=" + vm, "--destroy");
        JhyveProcess.Result load = JhyveProcess.runProgram(NamedVmTest.LOAD, "-m", MEM, "-k", kernel.toString(),
                "-i", initramfs.toString(), "-c", CMDLINE, vm);
        assertEquals(0, load.exitCode(), load.describe());
        long t0 = System.nanoTime();
        List<String> args = new ArrayList<>(List.of("-c", "2", "-m", MEM, "-s", "0,hostbridge", "-s", "1,lpc",
                "-l", "com1,stdio", "-o", "jhyve.cpuid.clear=" + CPUID_MASK));
        args.addAll(List.of(devices));
        args.add(vm);
        JhyveProcess p = JhyveProcess.start(prefix, org.jhyve.cli.Jhyve.class.getName(), args, JhyveProcess.vmmDir());
        p.teeStdout(Path.of("target", "linux-console", vm + ".log"));  // to follow a boot of many minutes
        p.awaitStdout(l -> l.contains(LinuxGuestFiles.READY), BOOT, "the initramfs's ready line");
        record(String.format("jhyve: %s booted to the shell in %.1f s", vm, (System.nanoTime() - t0) / 1e9));
        return p;
    }

    /** Prints a timing line and keeps it in target/linux-boot-times.txt, for docs/linux-boot.md. */
    static void record(String line) {
        System.err.println("jhyve-linux: " + line);
        try {
            Files.writeString(TIMES, java.time.Instant.now() + " " + line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + TIMES, e);
        }
    }

    /** Types a command whose output is one line "@@key=value" and returns the value. */
    static String ask(JhyveProcess p, String key, String shellExpr) {
        p.type("echo \"@@" + key + "=" + shellExpr + "\"\n");
        Pattern line = Pattern.compile("@@" + Pattern.quote(key) + "=([^$\"]*)\r?$");
        p.awaitStdout(l -> line.matcher(l).find(), COMMAND, "the answer to " + key);
        String found = null;
        for (String l : p.stdoutSoFar().lines().toList()) {
            Matcher m = line.matcher(l);
            if (m.find()) found = m.group(1).strip();
        }
        return found;
    }

    /**
     * One boot (each takes many minutes here) for the platform, the virtio devices, the network
     * and the power button: vCPUs, memory, PCI, ACPI tables; an ext4 virtio disk mounted, read,
     * written and flushed (checked on the host after power-off); /dev/hwrng from virtio-rnd;
     * both directions of a virtio-console port; on the private network of the bhyve guides,
     * made by jhyve-net inside a namespace of the test's own, a DHCP lease from its dnsmasq and a
     * ping of the host by name; last, SIGTERM to jhyve presses the power button and busybox
     * acpid powers off (exit 1).
     */
    @Test
    @org.junit.jupiter.api.Order(1)
    void devicesNetworkAndPowerButtonInOneBoot(@TempDir Path dir) throws Exception {
        org.jhyve.net.NetNamespace.require();
        org.jhyve.net.NetNamespace.requireTool("dnsmasq");
        org.jhyve.net.NetNamespace.requireTool("nft");
        String hostName = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        Path disk = LinuxGuestFiles.ext4Disk(dir, "hello from the host");
        Path sock = dir.resolve("con1.sock");
        Path state = Files.createDirectories(dir.resolve("net"));
        try (var ns = org.jhyve.net.NetNamespace.create("linux")) {
            var net = jhyveNet(ns, state, "private", "jhnat0", "--subnet", "10.77.0.1/24", "--domain", "lab", "--tap", "tapl0");
            assertEquals(0, net.rc(), "jhyve-net private:\n" + net.out() + net.err());
            try (JhyveProcess p = boot(List.of("ip", "netns", "exec", ns.name()), "linux1",
                    "-s", "3,virtio-blk," + disk, "-s", "4,virtio-rnd", "-s", "5,virtio-console,con1=" + sock,
                    "-s", "6,virtio-net,tapl0,mac=58:9c:fc:00:00:44")) {
                platform(p);
                virtioBlkRndConsole(p, sock);
                network(p, hostName);
                powerButton(p);
            }
            assertTrue(LinuxGuestFiles.ext4Cat(disk, "/guest.txt").contains("written by linux"),
                    "the file Linux wrote and synced is in the image");
            String leases = Files.readString(state.resolve("jhnat0.leases"));
            assertTrue(leases.contains("58:9c:fc:00:00:44") && leases.contains("linux1"), "dnsmasq's lease\n" + leases);
            jhyveNet(ns, state, "down", "jhnat0");
        }
    }

    private static void platform(JhyveProcess p) {
        assertEquals("0-1", ask(p, "online", "$(cat /sys/devices/system/cpu/online)"), "all vCPUs online");
        assertEquals("2", ask(p, "cpus", "$(grep -c ^processor /proc/cpuinfo)"));
        long kb = Long.parseLong(ask(p, "memkb", "$(sed -n 's/^MemTotal: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo)"));
        assertTrue(kb > 400 * 1024 && kb <= 512 * 1024, "MemTotal " + kb + " kB for -m 512M");
        List<String> pci = List.of(ask(p, "pci", "$(ls /sys/bus/pci/devices | tr '\\n' ' ')").split(" "));
        assertTrue(pci.containsAll(List.of("0000:00:00.0", "0000:00:01.0")), "PCI devices " + pci);
        assertTrue(pci.containsAll(List.of("0000:00:03.0", "0000:00:04.0", "0000:00:05.0", "0000:00:06.0")), "virtio functions " + pci);
        List<String> acpi = List.of(ask(p, "acpi", "$(ls /sys/firmware/acpi/tables | tr '\\n' ' ')").split(" "));
        assertTrue(acpi.containsAll(List.of("APIC", "DSDT", "FACP", "FACS", "MCFG")), "ACPI tables " + acpi);
    }

    private static void virtioBlkRndConsole(JhyveProcess p, Path sock) throws Exception {
        // virtio-blk: ext4 on /dev/vda, read what the host put there, write and flush a file
        assertEquals("ok", ask(p, "mount", "$(mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && echo ok)"));
        assertEquals("hello from the host", ask(p, "hello", "$(cat /mnt/hello.txt)"));
        assertEquals("0", ask(p, "write", "$(echo written by linux > /mnt/guest.txt; sync; echo $?)"));
        assertEquals("ok", ask(p, "umount", "$(umount /mnt && echo ok)"));

        // virtio-rnd: the kernel picks it as the hardware RNG and /dev/hwrng gives bytes
        assertEquals("virtio_rng.0", ask(p, "rng", "$(cat /sys/class/misc/hw_random/rng_current)"));
        assertEquals("64", ask(p, "hwrng", "$(head -c 64 /dev/hwrng | wc -c)"));

        // virtio-console: the port named con1 appears; guest -> host and host -> guest
        String port = ask(p, "port", "$(for d in /sys/class/virtio-ports/*; do [ $(cat $d/name) = con1 ] && basename $d; done)");
        assertTrue(port.matches("vport\\d+p\\d+"), "virtio-console port device: " + port);
        try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(sock));
            p.type("echo from-linux > /dev/" + port + "\n");
            var line = java.util.concurrent.CompletableFuture.supplyAsync(() -> readLine(ch));
            assertEquals("from-linux", line.get(COMMAND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS),
                    "guest -> host over virtio-console");
            // Linux drops input for a port no application has open, and the echo above may still
            // be closing it: send only once a reader holds the port open (as a host must).
            p.type("sh -c 'echo @@opened; head -n 1 | sed s/^/@@in=/' < /dev/" + port + "\n");
            p.awaitStdout(l -> l.strip().equals("@@opened"), COMMAND, "a reader holding the console port open");
            ch.write(java.nio.ByteBuffer.wrap("from-host\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            p.awaitStdout(l -> l.contains("@@in=from-host"), COMMAND, "host -> guest over virtio-console");
        }
    }

    private static void network(JhyveProcess p, String hostName) {
        p.type("ip link set eth0 up; udhcpc -i eth0 -n -q -t 10 -T 3 -x hostname:linux1 -s " + LinuxGuestFiles.UDHCPC_SCRIPT_PATH + "\n");
        p.awaitStdout(l -> l.matches("jhyve-linux: lease 10\\.77\\.0\\.\\d+\\s*"), COMMAND, "a DHCP lease");
        assertEquals("ok", ask(p, "ping", "$(ping -c 1 -W 5 " + hostName + ".lab > /dev/null && echo ok)"),
                "ping " + hostName + ".lab");
    }

    private static void powerButton(JhyveProcess p) throws InterruptedException {
        assertTrue(ask(p, "acpid", "$(pidof acpid)").matches("\\d+"), "busybox acpid is running");
        // acpid daemonizes and then opens /dev/input/event*; a press before that is lost
        String inputs = "0";
        for (int i = 0; i < 20 && inputs.equals("0"); i++) {
            inputs = ask(p, "inputs" + i, "$(ls -l /proc/$(pidof acpid)/fd | grep -c /dev/input/event)");
            if (inputs.equals("0")) Thread.sleep(3000);
        }
        assertTrue(!inputs.equals("0"), "acpid opened no input device");
        String sci = "$(grep -i acpi /proc/interrupts | tr -s ' ')";
        String before = ask(p, "sci", sci);
        p.sigterm();
        try {
            p.awaitStdout(l -> l.contains("jhyve-linux: power button"), COMMAND, "acpid's power button action");
        } catch (AssertionError e) {
            // what to look at next: did the SCI arrive, and is acpid still there?
            throw new AssertionError(e.getMessage() + "\nSCI line before SIGTERM: " + before + "\nafter: "
                    + ask(p, "sci2", sci) + "\nacpid: " + ask(p, "acpid2", "$(pidof acpid)")
                    + "\nacpid's log: " + ask(p, "acpidlog", "$(tail -n 3 /var/log/acpid.log | tr '\\n' ' ')"), e);
        }
        JhyveProcess.Result r = p.await(COMMAND);
        assertEquals(1, r.exitCode(), "SIGTERM\n" + tail(r));
    }

    /** One line from a blocking channel, without the newline. */
    private static String readLine(java.nio.channels.SocketChannel ch) {
        var b = new StringBuilder();
        var one = java.nio.ByteBuffer.allocate(1);
        try {
            while (true) {
                one.clear();
                if (ch.read(one) < 0) return b.toString();
                char c = (char) one.get(0);
                if (c == '\n') return b.toString();
                if (c != '\r') b.append(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static org.jhyve.net.NetNamespace.Result jhyveNet(org.jhyve.net.NetNamespace ns, Path state, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", JhyveProcess.mainClasses().toString(),
                org.jhyve.net.JhyveNet.class.getName(), "--state-dir", state.toString()));
        cmd.addAll(List.of(args));
        return ns.execAllowingFailure(cmd.toArray(String[]::new));
    }

    /**
     * A second boot: many short-lived processes on each vCPU (every exec of the static busybox
     * sets up its TLS in fresh memory: page faults and system calls, each through jhyve on hosts
     * that need SyscallEntryFix), then reboot -f → exit 0.
     */
    @Test
    @org.junit.jupiter.api.Order(2)
    void execsOnEveryCpuThenRebootForcedExitsZero() {
        try (JhyveProcess p = boot("linux2")) {
            List<String> failures = new ArrayList<>();
            for (int cpu = 0; cpu < 2; cpu++) {
                long t0 = System.nanoTime();
                String failed = ask(p, "execs" + cpu, "$(n=0; for i in $(seq " + EXECS + "); do taskset -c " + cpu
                        + " busybox true || n=$((n+1)); done; echo $n)");
                record(String.format("jhyve: %d execs of busybox on cpu %d in %.1f s, %s failed", EXECS, cpu,
                        (System.nanoTime() - t0) / 1e9, failed));
                if (!failed.equals("0")) failures.add("cpu " + cpu + ": " + failed + " of " + EXECS);
            }
            String segfaults = ask(p, "segv", "$(dmesg | grep -c segfault)");
            p.type("reboot -f\n");
            JhyveProcess.Result r = p.await(COMMAND);
            assertEquals(0, r.exitCode(), "reboot -f\n" + tail(r));
            assertEquals(List.of(), failures, "busybox runs that failed (segfaults in dmesg: " + segfaults + ")");
            assertEquals("0", segfaults, "segfaults in the guest's log");
        }
    }

    /**
     * The same kernel, initramfs and command line under QEMU -M microvm with KVM, in the same run:
     * the comparison figure. QEMU has no emulation fallback, so on hosts whose KVM emulates guest
     * kernel mode it stops where KVM's emulator gives up; the test records where and when, and
     * checks only that QEMU ran the kernel.
     */
    @Test
    @org.junit.jupiter.api.Order(3)
    void sameGuestUnderQemuMicrovmForComparison() {
        Assumptions.assumeTrue(LinuxQemu.available(), LinuxQemu.QEMU + " is not installed");
        LinuxQemu.Run run = LinuxQemu.run(LinuxQemu.command(kernel, initramfs, CMDLINE, MEM), BOOT);
        record(run.summary());
        String log = String.join("\n", run.lines());
        assertTrue(log.contains("Linux version"), "QEMU did not start the kernel:\n" + log);
        int from = Math.max(0, run.lines().size() - 15);
        System.err.println(String.join("\n", run.lines().subList(from, run.lines().size())));
    }

    private static String tail(JhyveProcess.Result r) {
        String d = r.describe();
        return d.length() > 6000 ? d.substring(d.length() - 6000) : d;
    }
}
