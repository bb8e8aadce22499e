package org.jhyve.boot;

/** Lets tests in other packages build the synthetic bzImage. */
public final class SyntheticBzImageAccess {
    public byte[] build() { return new SyntheticBzImage().build(); }
}
