package org.jhyve.mgmt.xml;

/**
 * {@code <serial type>} (and the shape of {@code <console>}): nmdm with master/slave, or tcp with
 * source mode/host/service and {@code <protocol type>}; target port and, for consoles, target type.
 * Absent values are null.
 */
public record Serial(String type, String master, String slave, String mode, String host, String service,
                     String protocol, String targetType, Integer targetPort) {

    public Serial withNmdm(String m, String s) {
        return new Serial(type, m, s, mode, host, service, protocol, targetType, targetPort);
    }

    public Serial withTargetPort(int port) {
        return new Serial(type, master, slave, mode, host, service, protocol, targetType, port);
    }
}
