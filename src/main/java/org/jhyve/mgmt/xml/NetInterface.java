package org.jhyve.mgmt.xml;

import java.util.List;

/**
 * {@code <interface type>}: bridge, network or user; mac, model (virtio, e1000), source bridge or
 * network, target dev (the tap's name), guest IP addresses (refused for user networking), boot order
 * and address. Absent values are null.
 */
public record NetInterface(String type, String mac, String model, String sourceBridge, String sourceNetwork,
                           String targetDev, List<String> ips, Long bootOrder, Address address) {
    public NetInterface {
        ips = List.copyOf(ips);
    }

    public NetInterface withAddress(Address a) {
        return new NetInterface(type, mac, model, sourceBridge, sourceNetwork, targetDev, ips, bootOrder, a);
    }

    public NetInterface withTargetDev(String dev) {
        return new NetInterface(type, mac, model, sourceBridge, sourceNetwork, dev, ips, bootOrder, address);
    }

    public NetInterface withMac(String m) {
        return new NetInterface(type, m, model, sourceBridge, sourceNetwork, targetDev, ips, bootOrder, address);
    }
}
