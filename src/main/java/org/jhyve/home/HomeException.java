package org.jhyve.home;

import org.jhyve.config.ConfigException;

/** A VM home that cannot be used as asked (in use, stale, missing, damaged); the programs exit 4. */
public class HomeException extends ConfigException {
    public HomeException(String message) { super(message); }
}
