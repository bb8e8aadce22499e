package org.jhyve.devices.virtio;

/**
 * The guest broke the virtio protocol (a descriptor outside RAM, a looping chain, a bad ring
 * index...). The transport answers with DEVICE_NEEDS_RESET; nothing of it leaves the device thread.
 */
public final class VirtioException extends RuntimeException {
    public VirtioException(String message) { super(message); }
}
