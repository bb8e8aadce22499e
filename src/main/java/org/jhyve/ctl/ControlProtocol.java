package org.jhyve.ctl;

/**
 * The control socket's wire format, text so that {@code socat - UNIX-CONNECT:.../ctl.sock} works
 * too: the client sends one line, "COMMAND [ARG...]"; the server answers with lines and ends with
 * a line "ok" or "error MESSAGE", then closes the connection.
 */
public final class ControlProtocol {
    private ControlProtocol() {}

    public static final String OK = "ok", ERROR = "error ";
    /** The longest request line the server reads. */
    public static final int MAX_REQUEST = 1024;
}
