package org.jhyve.mgmt.xml;

/** {@code <sound model><audio id/></sound>}: audioId null when the sound has no audio back end. */
public record Sound(String model, Integer audioId, Address address) {
    public Sound withAddress(Address a) { return new Sound(model, audioId, a); }
}
