package org.jhyve.vm;

/** bhyve's process exit status, which scripts such as vmrun.sh loop on. */
public enum ExitStatus {
    REBOOT(0), POWEROFF(1), HALT(2), TRIPLE_FAULT(3), ERROR(4);

    public final int code;

    ExitStatus(int code) { this.code = code; }
}
