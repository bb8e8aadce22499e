package org.jhyve.bus;

/**
 * The hypervisor's fast paths for devices, as eventfds: a doorbell makes a guest write to an
 * address signal an eventfd inside the kernel (no exit to a vCPU thread), and an MSI route lets a
 * device thread raise a message-signalled interrupt by writing to an eventfd. On KVM these are
 * ioeventfd and irqfd with GSI routing. Devices without it (unit tests) use the bus and
 * {@link MsiSink} instead, so the interface is optional in {@code DeviceContext}.
 */
public interface FastIo {
    /**
     * From now on a guest write of exactly len bytes of value at addr (a port when pio, else
     * MMIO) signals eventFd instead of reaching the bus. Closing the handle removes it.
     */
    Registration doorbell(int eventFd, boolean pio, long addr, int len, long value);

    /** A fresh interrupt route fired by writing to eventFd; it delivers nothing until routed. */
    MsiRoute msiRoute(int eventFd);

    /** Something registered with the hypervisor that {@link #close} removes. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** Where the eventfd's interrupt goes: an MSI message (address, data). */
    interface MsiRoute extends Registration {
        void route(long address, int data);
    }
}
