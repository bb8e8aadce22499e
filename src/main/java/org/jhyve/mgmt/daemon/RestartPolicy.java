package org.jhyve.mgmt.daemon;

import org.jhyve.mgmt.xml.Domain;

/**
 * What the daemon does when a jhyve process ends, from its exit status and the domain's
 * on_reboot/on_poweroff/on_crash: exit 0 (reset) follows on_reboot, 1 and 2 (power off, halt)
 * follow on_poweroff, a signal follows on_crash, anything else (3 triple fault, 4 error) shuts
 * the domain off with an unknown reason, as libvirt's bhyve driver does.
 */
public final class RestartPolicy {
    /** The process's end: an exit status, or the signal that killed it. */
    public sealed interface Outcome permits Exited, Killed {}

    public record Exited(int status) implements Outcome {}

    public record Killed(int signal) implements Outcome {}

    /** The domain state after the process ended (libvirt's names), and whether to start it again. */
    public enum State { SHUTOFF, CRASHED }

    public enum Reason { SHUTDOWN, DESTROYED, CRASHED, FAILED, UNKNOWN }

    public record Decision(boolean restart, State state, Reason reason) {}

    private RestartPolicy() {}

    /**
     * @param destroyRequested the user asked for destroy (the daemon killed jhyve), which is never
     *                         restarted whatever the exit looks like
     */
    public static Decision decide(Domain d, Outcome outcome, boolean destroyRequested) {
        if (destroyRequested) return new Decision(false, State.SHUTOFF, Reason.DESTROYED);
        return switch (outcome) {
            case Killed k -> new Decision("restart".equals(d.onCrashOrDefault()), State.CRASHED, Reason.CRASHED);
            case Exited e when e.status() == 0 ->
                    new Decision("restart".equals(d.onRebootOrDefault()), State.SHUTOFF, Reason.SHUTDOWN);
            case Exited e when e.status() == 1 || e.status() == 2 ->
                    new Decision("restart".equals(d.onPoweroffOrDefault()), State.SHUTOFF, Reason.SHUTDOWN);
            case Exited e when e.status() == 4 -> new Decision(false, State.SHUTOFF, Reason.FAILED);
            case Exited e -> new Decision(false, State.SHUTOFF, Reason.UNKNOWN);
        };
    }
}
