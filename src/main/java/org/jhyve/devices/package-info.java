/**
 * The emulated board: the device registry behind {@code -s}/{@code -l}, the context devices are
 * built with, and {@link org.jhyve.devices.Platform}, which creates and wires everything.
 */
package org.jhyve.devices;
