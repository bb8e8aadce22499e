package org.jhyve.mgmt.xml;

/**
 * {@code <video>} with {@code <model type heads primary>}, optional {@code <resolution x y>} and
 * {@code <driver vgaconf='on|off|io'>}. Absent values are null.
 */
public record Video(String modelType, Integer heads, Boolean primary, Integer resolutionX, Integer resolutionY,
                    String vgaconf, Address address) {

    public Video withAddress(Address a) {
        return new Video(modelType, heads, primary, resolutionX, resolutionY, vgaconf, a);
    }
}
