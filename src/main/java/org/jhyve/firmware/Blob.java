package org.jhyve.firmware;

/** Bytes the VMM copies into guest RAM at {@code guestAddress}; {@code name} says what they are (e.g. "DSDT"). */
public record Blob(String name, long guestAddress, byte[] bytes) {
    public Blob {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() { return bytes.clone(); }

    public int size() { return bytes.length; }

    public long end() { return guestAddress + bytes.length; }

    @Override
    public String toString() {
        return name + "@0x" + Long.toHexString(guestAddress) + "+" + bytes.length;
    }
}
