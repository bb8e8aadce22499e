package org.jhyve.machine;

import org.jhyve.ctl.ControlException;
import org.jhyve.ctl.ControlHandler;
import org.jhyve.sys.KvmVcpu;
import org.jhyve.vm.ExitStatus;
import org.jhyve.vm.Vcpu;
import org.jhyve.vm.VcpuRegisters;
import org.jhyve.vm.Vm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The control socket's commands for one running machine (what bhyvectl asks of /dev/vmm):
 * {@code stats CPU}, {@code regs CPU}, {@code active-cpus}, {@code topology}, {@code memory},
 * {@code nmi CPU}, {@code reset}, {@code poweroff}, {@code destroy}.
 */
final class MachineControl implements ControlHandler {
    static final long VCPU_TIMEOUT_MS = 5000;
    /** KVM exit reasons jhyve counts, with bhyvectl-style descriptions. */
    static final Map<Integer, String> EXIT_NAMES = Map.ofEntries(
            Map.entry(KvmVcpu.EXIT_IO, "vm exits due to port I/O"),
            Map.entry(KvmVcpu.EXIT_MMIO, "vm exits due to MMIO"),
            Map.entry(KvmVcpu.EXIT_SHUTDOWN, "vm exits due to shutdown (triple fault)"),
            Map.entry(KvmVcpu.EXIT_HLT, "vm exits due to hlt"),
            Map.entry(KvmVcpu.EXIT_INTR, "vm exits due to signals"),
            Map.entry(KvmVcpu.EXIT_INTERNAL_ERROR, "vm exits due to internal errors (emulation)"),
            Map.entry(KvmVcpu.EXIT_SYSTEM_EVENT, "vm exits due to system events"),
            Map.entry(KvmVcpu.EXIT_X86_RDMSR, "vm exits due to rdmsr"),
            Map.entry(KvmVcpu.EXIT_X86_WRMSR, "vm exits due to wrmsr"),
            Map.entry(KvmVcpu.EXIT_DEBUG, "vm exits due to debug (jhyve breakpoints, SYSCALL completion)"),
            Map.entry(Vcpu.KICKS, "vcpu kicks (requests from other threads)"));

    private final Vm vm;
    private final Runnable destroy;

    MachineControl(Vm vm, Runnable destroy) {
        this.vm = vm;
        this.destroy = destroy;
    }

    @Override
    public List<String> handle(String command, List<String> args) {
        return switch (command) {
            case "stats" -> stats(vcpu(args));
            case "regs" -> regs(vcpu(args));
            case "active-cpus" -> List.of(activeCpus());
            case "topology" -> {
                var t = vm.spec().topology();
                yield List.of("sockets=" + t.sockets() + " cores=" + t.cores() + " threads=" + t.threads() + " maxcpus=" + t.cpus());
            }
            case "memory" -> List.of(String.format("lowmem 0x%x", vm.memory().lowSize()),
                    String.format("highmem 0x%x", vm.memory().highSize()));
            case "nmi" -> {
                vcpu(args).call(k -> {
                    k.nmi();
                    return null;
                }, VCPU_TIMEOUT_MS);
                yield List.of();
            }
            case "reset" -> exit(ExitStatus.REBOOT, "reset by jhyvectl --force-reset");
            case "poweroff" -> exit(ExitStatus.POWEROFF, "powered off by jhyvectl --force-poweroff");
            case "destroy" -> {
                destroy.run();
                yield List.of();
            }
            default -> throw new ControlException("unknown control command '" + command + "'");
        };
    }

    private List<String> exit(ExitStatus s, String why) {
        vm.requestExit(s, why);
        return List.of();
    }

    private Vcpu vcpu(List<String> args) {
        if (args.size() != 1) throw new ControlException("expected one vCPU number, got " + args);
        int n;
        try {
            n = Integer.parseInt(args.getFirst());
        } catch (NumberFormatException e) {
            throw new ControlException("vCPU number '" + args.getFirst() + "' is not a number");
        }
        List<Vcpu> all = vm.vcpus();
        if (n < 0 || n >= all.size()) throw new ControlException("vcpu " + n + " does not exist (the VM has " + all.size() + ")");
        return all.get(n);
    }

    private static List<String> stats(Vcpu v) {
        long[] c = v.exitCounts();
        List<String> out = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < Vcpu.KICKS; i++) total += c[i];
        out.add("total number of vm exits\t" + total);
        EXIT_NAMES.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.add(e.getValue() + "\t" + c[e.getKey()]));
        for (int i = 0; i < Vcpu.KICKS; i++) {
            if (c[i] != 0 && !EXIT_NAMES.containsKey(i)) out.add("vm exits with KVM exit reason " + i + "\t" + c[i]);
        }
        v.emulatedCounts().forEach((m, n) -> out.add("instructions emulated by jhyve: " + m + "\t" + n));
        return out;
    }

    private static List<String> regs(Vcpu v) {
        Map<String, long[]> r = v.call(VcpuRegisters::read, VCPU_TIMEOUT_MS);
        List<String> out = new ArrayList<>();
        r.forEach((name, vals) -> {
            StringBuilder b = new StringBuilder(name);
            for (long x : vals) b.append(' ').append(String.format("0x%x", x));
            out.add(b.toString());
        });
        return out;
    }

    /** vCPUs that have started (the BSP, and APs after their SIPI), as bhyve's active set. */
    private String activeCpus() {
        StringBuilder b = new StringBuilder();
        for (Vcpu v : vm.vcpus()) {
            int mp = v.call(KvmVcpu::getMpState, VCPU_TIMEOUT_MS);
            if (mp != KvmVcpu.MP_STATE_UNINITIALIZED && mp != KvmVcpu.MP_STATE_INIT_RECEIVED) {
                if (!b.isEmpty()) b.append(' ');
                b.append(v.id());
            }
        }
        return b.toString();
    }
}
