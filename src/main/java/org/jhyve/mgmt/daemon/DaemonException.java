package org.jhyve.mgmt.daemon;

/** A request the daemon cannot carry out; the message goes to the client as virsh's "error: ...". */
public class DaemonException extends Exception {
    public DaemonException(String message) { super(message); }

    public DaemonException(String message, Throwable cause) { super(message, cause); }
}
