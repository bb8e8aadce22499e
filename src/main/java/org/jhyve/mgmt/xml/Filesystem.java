package org.jhyve.mgmt.xml;

/**
 * {@code <filesystem type accessmode>} with {@code <driver type>}, {@code <source dir>},
 * {@code <target dir>} and {@code <readonly/>}; absent values are null.
 */
public record Filesystem(String type, String accessmode, String driverType, String sourceDir, String targetDir,
                         boolean readonly, Address address) {
    public Filesystem withAddress(Address a) {
        return new Filesystem(type, accessmode, driverType, sourceDir, targetDir, readonly, a);
    }
}
