package org.jhyve.mgmt.xml;

/** {@code <audio id type>} with {@code <input dev>} and {@code <output dev>}; absent values are null. */
public record Audio(int id, String type, String inputDev, String outputDev) {}
