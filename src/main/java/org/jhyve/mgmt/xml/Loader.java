package org.jhyve.mgmt.xml;

/** {@code <os><loader readonly type>PATH</loader>}; readonly and type are null when not given. */
public record Loader(String path, String readonly, String type) {}
