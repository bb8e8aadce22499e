package org.jhyve.ctl;

import java.util.List;

/**
 * What a running jhyve answers on its control socket. One request is one line, a command word
 * and its arguments; the answer is zero or more lines.
 */
@FunctionalInterface
public interface ControlHandler {
    List<String> handle(String command, List<String> args);
}
