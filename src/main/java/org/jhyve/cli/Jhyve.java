package org.jhyve.cli;

import org.jhyve.config.BhyveOptions;
import org.jhyve.config.ConfigException;
import org.jhyve.config.Invocation;
import org.jhyve.config.OptionException;
import org.jhyve.devices.DeviceRegistry;
import org.jhyve.machine.Machine;
import org.jhyve.vm.ExitStatus;
import org.jhyve.vm.Vm;

import java.io.PrintStream;

/**
 * {@code jhyve}: bhyve's command line, bhyve's exit status (0 reboot, 1 power-off, 2 halt,
 * 3 triple fault, 4 error).
 */
public final class Jhyve {
    private Jhyve() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        // Runtime.halt: device threads blocked in reads must not keep a finished VM alive.
        Runtime.getRuntime().halt(status);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String prog = "jhyve";
        Invocation inv;
        try {
            inv = BhyveOptions.parse(args);
        } catch (OptionException e) {
            err.println(prog + ": " + e.getMessage());
            if (e.showUsage()) err.print(BhyveOptions.usage(prog));
            return e.exitStatus();
        } catch (ConfigException e) {
            err.println(prog + ": " + e.getMessage());
            return ExitStatus.ERROR.code;
        }
        DeviceRegistry registry = DeviceRegistry.standard();
        return switch (inv) {
            case Invocation.Usage u -> {
                err.print(BhyveOptions.usage(prog));
                yield BhyveOptions.HELP_EXIT_STATUS;
            }
            case Invocation.ListPci l -> {
                out.print(registry.pciHelp());
                yield 0;
            }
            case Invocation.ListLpc l -> {
                out.print(registry.lpcHelp());
                yield 0;
            }
            case Invocation.Dump d -> {
                out.print(d.tree().dump());
                yield BhyveOptions.DUMP_EXIT_STATUS;
            }
            case Invocation.Run r -> {
                if (r.restoreFile().isPresent()) {
                    err.println(prog + ": restoring snapshots (-r) is not implemented in jhyve yet");
                    yield ExitStatus.ERROR.code;
                }
                yield runVm(r, err);
            }
        };
    }

    private static int runVm(Invocation.Run r, PrintStream err) {
        Machine machine;
        try {
            NativeHostHooks hooks = new NativeHostHooks();
            machine = Machine.create(r.tree(), DeviceRegistry.standard(), hooks);
            Machine m = machine;
            hooks.beforeExit(m::closeForExit);
        } catch (ConfigException e) {
            err.println("jhyve: " + e.getMessage());
            return ExitStatus.ERROR.code;
        } catch (RuntimeException e) {
            err.println("jhyve: could not create the VM: " + e.getMessage());
            return ExitStatus.ERROR.code;
        }
        Signals.onTerminate(() -> {
            if (!machine.powerButton()) {
                err.println("jhyve: SIGTERM: the guest has not enabled ACPI, so the power button is ignored"
                        + " (jhyvectl --force-poweroff or SIGKILL end it)");
            }
        });
        Vm.Outcome o;
        try {
            o = machine.run();
        } finally {
            machine.closeForExit(); // the process exits next: the kernel frees the VM
        }
        if (o.status() == ExitStatus.ERROR) {
            err.println("jhyve: " + o.reason());
            if (o.cause() != null && Boolean.getBoolean("jhyve.debug")) o.cause().printStackTrace(err);
        }
        return o.status().code;
    }
}
