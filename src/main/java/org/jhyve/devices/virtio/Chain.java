package org.jhyve.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One descriptor chain taken from the available ring, already validated: every buffer lies in
 * guest RAM (its host view is resolved), device-readable buffers come before device-writable ones.
 * head is what goes back into the used ring.
 */
public record Chain(int head, List<Buffer> buffers, long readable, long writable) {
    /** One guest buffer: guest address, host view and direction (writable = the device may write it). */
    public record Buffer(long gpa, MemorySegment host, boolean writable) {
        public long length() { return host.byteSize(); }
    }

    /** The device-readable buffers as one stream. */
    public ChainReader reader() { return new ChainReader(this); }

    /** The device-writable buffers as one stream; nothing is ever written to a readable buffer. */
    public ChainWriter writer() { return new ChainWriter(this); }
}
