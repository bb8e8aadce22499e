package org.jhyve.cli;

import org.jhyve.config.BhyveOptions;
import org.jhyve.config.ConfigException;
import org.jhyve.config.Invocation;
import org.jhyve.config.OptionException;
import org.jhyve.devices.DeviceRegistry;
import org.jhyve.machine.Machine;
import org.jhyve.sys.SegmentAccess;
import org.jhyve.sys.StartupTrace;
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
        StartupTrace.mark("main");
        LinkAhead.start();
        int status = run(args, System.out, System.err);
        // No System.exit: device threads blocked in reads must not keep a finished VM alive.
        ProcessExit.exit(status);
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
        StartupTrace.mark("options parsed");
        DeviceRegistry registry = DeviceRegistry.standard();
        // instanceof, not a pattern switch: the switch's bootstrap costs milliseconds at every start.
        if (inv instanceof Invocation.Run r) {
            if (r.restoreFile().isPresent()) {
                err.println(prog + ": restoring snapshots (-r) is not implemented in jhyve yet");
                return ExitStatus.ERROR.code;
            }
            return runVm(r, err);
        }
        if (inv instanceof Invocation.Dump d) {
            out.print(d.tree().dump());
            return BhyveOptions.DUMP_EXIT_STATUS;
        }
        if (inv instanceof Invocation.ListPci) {
            out.print(registry.pciHelp());
            return 0;
        }
        if (inv instanceof Invocation.ListLpc) {
            out.print(registry.lpcHelp());
            return 0;
        }
        if (inv instanceof Invocation.Usage) {
            err.print(BhyveOptions.usage(prog));
            return BhyveOptions.HELP_EXIT_STATUS;
        }
        throw new IllegalStateException("unknown invocation " + inv);
    }

    private static int runVm(Invocation.Run r, PrintStream err) {
        Machine machine;
        SegmentAccess.warm();   // while jhyve-link-ahead still links the downcall
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
        StartupTrace.mark("machine created");
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
