/**
 * bhyve's PCI: configuration spaces, BARs and their assignment, configuration mechanism #1 and
 * ECAM, INTx wiring and PIRQ routing, and the host bridge.
 */
package org.jhyve.devices.pci;
