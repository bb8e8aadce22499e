package org.jhyve.mgmt.xml;

/** {@code <cputune><vcpupin vcpu cpuset/></cputune>}: cpuset in libvirt's syntax, e.g. "1,3-4,^2". */
public record VcpuPin(int vcpu, String cpuset) {}
