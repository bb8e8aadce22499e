package org.jhyve.mgmt.xml;

/** {@code <os><nvram template>PATH</nvram>}; either may be null. */
public record Nvram(String path, String template) {}
