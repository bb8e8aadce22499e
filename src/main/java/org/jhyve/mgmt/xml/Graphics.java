package org.jhyve.mgmt.xml;

/**
 * {@code <graphics type port autoport listen passwd wait>} with its {@code <listen type address>}.
 * port is null when absent; libvirt's port='-1' is kept as -1.
 */
public record Graphics(String type, Integer port, Boolean autoport, String listenAttr, String passwd,
                       Boolean waitForClient, String listenType, String listenAddress) {

    /** The address to listen on: the listen element's, else the attribute's, else null. */
    public String effectiveListen() { return listenAddress != null ? listenAddress : listenAttr; }

    public Graphics withPort(int p) {
        return new Graphics(type, p, autoport, listenAttr, passwd, waitForClient, listenType, listenAddress);
    }

    public boolean isAutoport() { return Boolean.TRUE.equals(autoport) || (port != null && port == -1); }
}
