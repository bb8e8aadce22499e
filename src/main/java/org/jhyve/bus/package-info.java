/**
 * Address-range buses (port I/O and MMIO) and the interrupt wires devices use. Devices depend on
 * this package only, never on KVM, so they can be unit-tested on plain Java objects.
 */
package org.jhyve.bus;
