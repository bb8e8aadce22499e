package org.jhyve.cli;

import org.jhyve.config.ConfigException;
import org.jhyve.ctl.ControlClient;
import org.jhyve.ctl.ControlException;
import org.jhyve.home.HomeState;
import org.jhyve.home.HomeStatus;
import org.jhyve.home.VmHome;
import org.jhyve.home.VmHomes;
import org.jhyve.vm.VcpuRegisters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jhyvectl}: bhyvectl's options for jhyve's named VMs. A running VM is reached through
 * the control socket in its home; a loaded or stopped one answers what its home records.
 * Exit status 0, or 1 on any error (as bhyvectl).
 */
public final class Jhyvectl {
    static final String PROG = "jhyvectl";
    static final int ERROR = 1;
    static final long DESTROY_WAIT_MS = 15_000;
    /** Register options: --get-NAME for each of these. */
    static final Set<String> REGISTERS;

    static {
        Set<String> r = new java.util.LinkedHashSet<>(List.of(VcpuRegisters.GENERAL));
        r.addAll(List.of(VcpuRegisters.CONTROL));
        r.addAll(List.of(VcpuRegisters.SEGMENTS));
        for (String s : VcpuRegisters.SEGMENTS) r.add("desc-" + s);
        r.addAll(List.of("gdtr", "idtr"));
        REGISTERS = java.util.Collections.unmodifiableSet(r);
    }

    static final String USAGE = """
            Usage: jhyvectl --vm=<vmname> [--cpu=<vcpu>] <action>...
                   jhyvectl --list
                   --list               the VMs that exist: loaded, running, stopped or stale
                   --destroy            end a running VM (jhyve exits 4) and remove the VM's home
                   --get-stats          exit counts of the vCPU
                   --get-all            all registers of the vCPU
                   --get-<reg>          one register: rax..r15, rip, rsp, rflags, cr0, cr2, cr3, cr4,
                                        efer, apic_base, cs ds es fs gs ss tr ldt (selectors),
                                        desc-<seg> (base/limit/access), gdtr, idtr
                   --get-lowmem, --get-highmem, --get-active-cpus, --get-cpu-topology
                   --inject-nmi         NMI to the vCPU
                   --force-reset        jhyve exits 0, as on a guest reset
                   --force-poweroff     jhyve exits 1, as on a guest power-off
                   --cpu=<n>            the vCPU for per-vCPU actions (default 0)
            """;

    private Jhyvectl() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err, VmHomes.fromEnvironment());
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    static int run(String[] args, PrintStream out, PrintStream err, VmHomes homes) {
        String vm = null;
        int cpu = 0;
        boolean list = false;
        List<String> actions = new ArrayList<>();
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                out.print(USAGE);
                return 0;
            } else if (a.startsWith("--vm=")) {
                vm = a.substring(5);
            } else if (a.startsWith("--cpu=")) {
                try {
                    cpu = Integer.parseInt(a.substring(6));
                    if (cpu < 0) throw new NumberFormatException();
                } catch (NumberFormatException e) {
                    err.println(PROG + ": --cpu: '" + a.substring(6) + "' is not a vCPU number");
                    return ERROR;
                }
            } else if (a.equals("--list")) {
                list = true;
            } else if (known(a)) {
                actions.add(a.substring(2));
            } else {
                err.println(PROG + ": unknown option " + a + (bhyvectlOnly(a) ? " (a bhyvectl option jhyvectl does not implement)" : ""));
                err.print(USAGE);
                return ERROR;
            }
        }
        try {
            if (list) {
                List<HomeStatus> all = homes.list();
                out.printf("%-20s %-8s %8s  %s%n", "NAME", "STATE", "MEMORY", "OWNER");
                for (HomeStatus s : all) out.println(s.line());
                if (vm == null && actions.isEmpty()) return 0;
            }
            if (vm == null) {
                err.println(PROG + ": no VM named (--vm=NAME)");
                err.print(USAGE);
                return ERROR;
            }
            if (actions.isEmpty()) {
                if (list) return 0;
                err.println(PROG + ": nothing to do for VM '" + vm + "' (give an action)");
                err.print(USAGE);
                return ERROR;
            }
            VmHome home = homes.home(vm);
            for (String action : ordered(actions)) act(home, action, cpu, out);
            return 0;
        } catch (ConfigException | ControlException | IllegalStateException e) {
            err.println(PROG + ": " + e.getMessage());
            return ERROR;
        }
    }

    static boolean known(String a) {
        if (!a.startsWith("--")) return false;
        String n = a.substring(2);
        return switch (n) {
            case "destroy", "get-stats", "get-all", "get-lowmem", "get-highmem", "get-active-cpus", "get-cpu-topology",
                 "inject-nmi", "force-reset", "force-poweroff" -> true;
            default -> n.startsWith("get-") && REGISTERS.contains(n.substring(4));
        };
    }

    private static boolean bhyvectlOnly(String a) {
        for (String p : List.of("--set-", "--create", "--run", "--checkpoint", "--suspend", "--get-memmap", "--get-memseg",
                "--get-suspended-cpus", "--get-debug-cpus", "--get-intinfo", "--get-x2apic-state", "--get-vmcs", "--get-msr",
                "--get-dr", "--get-eptp", "--get-tpr", "--get-apic")) {
            if (a.startsWith(p)) return true;
        }
        return false;
    }

    /** Reads first, then the NMI, then the actions that end the VM, destroy last (as bhyvectl). */
    static List<String> ordered(List<String> actions) {
        List<String> out = new ArrayList<>();
        for (String a : actions) if (a.startsWith("get-")) out.add(a);
        for (String a : List.of("inject-nmi", "force-reset", "force-poweroff", "destroy")) if (actions.contains(a)) out.add(a);
        return out;
    }

    private static void act(VmHome home, String action, int cpu, PrintStream out) {
        HomeStatus st = home.requireStatus();
        boolean running = st.state() == HomeState.RUNNING;
        switch (action) {
            case "destroy" -> destroy(home, st);
            case "get-lowmem", "get-highmem" -> {
                long low, high;
                if (running) {
                    Map<String, Long> m = pairs(call(home, "memory"));
                    low = m.get("lowmem");
                    high = m.get("highmem");
                } else {
                    long size = st.memorySize();
                    if (size == 0) throw new ControlException("VM '" + home.name() + "' records no memory size");
                    low = Math.min(size, org.jhyve.vm.GuestMemory.LOWMEM_LIMIT);
                    high = size - low;
                }
                boolean lowmem = action.equals("get-lowmem");
                out.printf("%s\t\t0x%016x%n", lowmem ? "lowmem" : "highmem", lowmem ? low : high);
            }
            default -> {
                if (!running) {
                    throw new ControlException("VM '" + home.name() + "' is not running (" + st.state().word + "); --" + action
                            + " needs a running jhyve");
                }
                runningAction(home, action, cpu, out);
            }
        }
    }

    private static void runningAction(VmHome home, String action, int cpu, PrintStream out) {
        switch (action) {
            case "get-stats" -> {
                out.printf("vcpu%d stats:%n", cpu);
                for (String l : call(home, "stats " + cpu)) {
                    int tab = l.lastIndexOf('\t');
                    out.printf("%-50s\t%s%n", l.substring(0, tab), l.substring(tab + 1));
                }
            }
            case "get-active-cpus" -> out.println("active cpus:\t" + ranges(call(home, "active-cpus").getFirst()));
            case "get-cpu-topology" -> out.println("cpu_topology:\t" + call(home, "topology").getFirst().replace(" ", ", "));
            case "inject-nmi" -> call(home, "nmi " + cpu);
            case "force-reset" -> call(home, "reset");
            case "force-poweroff" -> call(home, "poweroff");
            case "get-all" -> {
                Map<String, long[]> regs = registers(home, cpu);
                for (String r : REGISTERS) printRegister(out, r, cpu, regs);
            }
            default -> printRegister(out, action.substring(4), cpu, registers(home, cpu));
        }
    }

    private static Map<String, long[]> registers(VmHome home, int cpu) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String l : call(home, "regs " + cpu)) {
            String[] w = l.split(" ");
            long[] v = new long[w.length - 1];
            for (int i = 1; i < w.length; i++) v[i - 1] = Long.parseUnsignedLong(w[i].substring(2), 16);
            m.put(w[0], v);
        }
        return m;
    }

    /** bhyvectl's formats: "rax[0]\t\t0x...", "cs[0]\t\t0x0010", "desc[0]\tcs\t\tbase/limit/access", "gdtr[0]\t\tbase/limit". */
    static void printRegister(PrintStream out, String reg, int cpu, Map<String, long[]> regs) {
        if (reg.startsWith("desc-")) {
            long[] d = regs.get("desc_" + reg.substring(5));
            out.printf("%s desc[%d]\t0x%016x/0x%08x/0x%08x%n", reg.substring(5), cpu, d[0], d[1], d[2]);
        } else if (reg.equals("gdtr") || reg.equals("idtr")) {
            long[] d = regs.get(reg);
            out.printf("%s[%d]\t\t0x%016x/0x%08x%n", reg, cpu, d[0], d[1]);
        } else if (List.of(VcpuRegisters.SEGMENTS).contains(reg)) {
            out.printf("%s[%d]\t\t0x%04x%n", reg, cpu, regs.get(reg)[0]);
        } else {
            long[] v = regs.get(reg);
            if (v == null) throw new ControlException("jhyve did not report register " + reg);
            out.printf("%s[%d]\t\t0x%016x%n", reg, cpu, v[0]);
        }
    }

    /** "0 1 2 5" → "0-2,5". */
    static String ranges(String cpus) {
        List<Integer> ids = cpus.isBlank() ? List.of() : java.util.Arrays.stream(cpus.trim().split(" ")).map(Integer::parseInt).toList();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < ids.size(); ) {
            int j = i;
            while (j + 1 < ids.size() && ids.get(j + 1) == ids.get(j) + 1) j++;
            if (!b.isEmpty()) b.append(',');
            b.append(ids.get(i));
            if (j > i) b.append('-').append(ids.get(j));
            i = j + 1;
        }
        return b.toString();
    }

    private static Map<String, Long> pairs(List<String> lines) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String l : lines) {
            String[] w = l.split(" ");
            m.put(w[0], Long.parseUnsignedLong(w[1].substring(2), 16));
        }
        return m;
    }

    private static List<String> call(VmHome home, String request) {
        if (!Files.exists(home.socket())) {
            throw new ControlException("VM '" + home.name() + "' has no control socket (" + home.socket() + ")");
        }
        return ControlClient.call(home.socket(), request);
    }

    /** A running VM is asked to go (and removes its home); any other is removed here. */
    static void destroy(VmHome home, HomeStatus st) {
        switch (st.state()) {
            case RUNNING -> {
                call(home, "destroy");
                long deadline = System.currentTimeMillis() + DESTROY_WAIT_MS;
                while (home.exists()) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new ControlException("VM '" + home.name() + "' (pid " + st.pid() + ") was asked to end but its home "
                                + home.dir() + " is still there after " + DESTROY_WAIT_MS / 1000 + " s");
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new ControlException("interrupted while waiting for VM '" + home.name() + "' to end");
                    }
                }
            }
            case LOADING -> throw new ControlException("VM '" + home.name() + "' is being loaded by " + st.program() + " (pid "
                    + st.pid() + "); try again when it is done");
            case LOADED, STOPPED, STALE -> home.acquire(PROG, false, true).destroy();
        }
    }
}
