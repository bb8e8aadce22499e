package org.jhyve.mgmt.xml;

/** {@code <input type bus/>}: jhyve knows only the USB tablet behind a nec-xhci controller. */
public record Input(String type, String bus) {}
