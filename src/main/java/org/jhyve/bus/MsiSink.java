package org.jhyve.bus;

/** Delivers a message-signalled interrupt (MSI or MSI-X) as the guest programmed it. */
public interface MsiSink {
    void signal(long address, int data);
}
