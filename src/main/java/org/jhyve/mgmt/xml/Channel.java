package org.jhyve.mgmt.xml;

/**
 * {@code <channel type='unix'>} with {@code <source mode path>} and {@code <target type='virtio' name>};
 * the address (may be null) is a virtio-serial port.
 */
public record Channel(String type, String sourceMode, String sourcePath, String targetType, String targetName,
                      Address address) {
    public Channel withAddress(Address a) {
        return new Channel(type, sourceMode, sourcePath, targetType, targetName, a);
    }
}
