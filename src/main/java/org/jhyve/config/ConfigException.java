package org.jhyve.config;

/**
 * Bad configuration: an unknown option, a malformed value, a device jhyve does not provide.
 * The launcher prints the message and exits with bhyve's error status 4.
 */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) { super(message); }

    public ConfigException(String message, Throwable cause) { super(message, cause); }
}
