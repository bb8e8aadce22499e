package org.jhyve.sys;

/** A failed system call: names the call, what it was for, and the errno. */
public class SysException extends RuntimeException {
    public final int errno;

    public SysException(String call, int errno) {
        super(call + ": " + Libc.strerror(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }
}
