package org.jhyve.boot;

import org.jhyve.config.ConfigException;

/** A kernel image or boot parameter jhyve cannot boot; the launcher exits 4. */
public class BootException extends ConfigException {
    public BootException(String message) { super(message); }
}
