package org.jhyve.mgmt.xml;

/**
 * {@code <disk type device>}: type file|volume, device disk|cdrom; the driver's queues/queue_size
 * (NVMe only), source file or pool+volume, target dev and bus (sata, virtio, nvme), SATA
 * rotation_rate, readonly, serial, wwn (NVMe eui64), boot order and address. Absent values are null.
 */
public record Disk(String type, String device, String driverName, String driverType, Integer queues,
                   Integer queueSize, String sourceFile, String sourcePool, String sourceVolume,
                   String targetDev, String targetBus, Integer rotationRate, boolean readonly, String serial,
                   String wwn, Long bootOrder, Address address) {

    public boolean isCdrom() { return "cdrom".equals(device); }

    /** The device kind with libvirt's default applied. */
    public String deviceOrDefault() { return device == null ? "disk" : device; }

    public Disk withAddress(Address a) {
        return new Disk(type, device, driverName, driverType, queues, queueSize, sourceFile, sourcePool,
                sourceVolume, targetDev, targetBus, rotationRate, readonly, serial, wwn, bootOrder, a);
    }

    public Disk withSourceFile(String path) {
        return new Disk(type, device, driverName, driverType, queues, queueSize, path, sourcePool,
                sourceVolume, targetDev, targetBus, rotationRate, readonly, serial, wwn, bootOrder, address);
    }
}
