package org.jhyve.mgmt.xml;

/** {@code <rng model><backend model>SOURCE</backend></rng>}; backendSource null when the element is empty. */
public record Rng(String model, String backendModel, String backendSource, Address address) {
    public Rng withAddress(Address a) { return new Rng(model, backendModel, backendSource, a); }
}
