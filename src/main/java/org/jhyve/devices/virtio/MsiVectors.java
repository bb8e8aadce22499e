package org.jhyve.devices.virtio;

import org.jhyve.bus.FastIo;
import org.jhyve.bus.MsiSink;
import org.jhyve.sys.EventFd;

/**
 * Delivery of message-signalled interrupts for one function, vector by vector. With the
 * hypervisor's fast path each vector has an eventfd bound to an MSI route (irqfd): firing is one
 * eventfd write from the device thread. Without it the message goes through the MSI sink.
 */
final class MsiVectors implements AutoCloseable {
    private final MsiSink sink;
    private final EventFd[] fds;
    private final FastIo.MsiRoute[] routes;
    private final long[] address;
    private final int[] data;

    MsiVectors(int count, MsiSink sink, FastIo fast) {
        this.sink = sink;
        this.address = new long[count];
        this.data = new int[count];
        this.fds = new EventFd[count];
        this.routes = new FastIo.MsiRoute[count];
        if (fast != null) {
            for (int i = 0; i < count; i++) {
                fds[i] = new EventFd();
                routes[i] = fast.msiRoute(fds[i].fd());
            }
        }
    }

    /** Sets where vector v goes. */
    synchronized void route(int v, long addr, int value) {
        if (address[v] == addr && data[v] == value) return;
        address[v] = addr;
        data[v] = value;
        if (routes[v] != null) routes[v].route(addr, value);
    }

    /** Sends vector v now (the caller checked masking). */
    void fire(int v) {
        if (fds[v] != null) {
            fds[v].signal();
            return;
        }
        long a;
        int d;
        synchronized (this) {
            a = address[v];
            d = data[v];
        }
        if (sink != null) sink.signal(a, d);
    }

    @Override
    public synchronized void close() {
        for (int i = 0; i < fds.length; i++) {
            if (routes[i] != null) routes[i].close();
            if (fds[i] != null) fds[i].close();
        }
    }
}
