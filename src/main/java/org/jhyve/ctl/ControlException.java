package org.jhyve.ctl;

/** A control request that failed; the message goes back to jhyvectl as "error MESSAGE". */
public class ControlException extends RuntimeException {
    public ControlException(String message) { super(message); }
}
