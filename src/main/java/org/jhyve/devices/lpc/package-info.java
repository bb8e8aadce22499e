/**
 * The LPC (PCI-ISA) bridge and the legacy devices: 16550 UARTs and their back ends, RTC/CMOS,
 * ACPI PM registers, reset control, i8042, POST port and pc-testdev.
 */
package org.jhyve.devices.lpc;
