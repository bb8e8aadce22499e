package org.jhyve.vm;

import org.jhyve.bus.FastIo;
import org.jhyve.sys.GsiRoute;
import org.jhyve.sys.KvmVm;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * {@link FastIo} on KVM: doorbells are KVM_IOEVENTFD registrations (with data match), MSI routes
 * are GSIs from 24 up whose KVM routing entry is an MSI message and to which an irqfd is bound.
 * KVM_SET_GSI_ROUTING replaces the whole table, so the default IOAPIC/PIC routes are kept in
 * front of ours on every update.
 */
final class KvmFastIo implements FastIo {
    static final int FIRST_MSI_GSI = 24, MAX_GSI = 4095;

    private final KvmVm vm;
    private final TreeMap<Integer, GsiRoute.Msi> msi = new TreeMap<>();

    KvmFastIo(KvmVm vm) { this.vm = vm; }

    @Override
    public Registration doorbell(int eventFd, boolean pio, long addr, int len, long value) {
        vm.ioeventfd(eventFd, addr, len, pio, value, false);
        return () -> vm.ioeventfd(eventFd, addr, len, pio, value, true);
    }

    @Override
    public synchronized MsiRoute msiRoute(int eventFd) {
        int gsi = FIRST_MSI_GSI;
        while (msi.containsKey(gsi)) gsi++;
        if (gsi > MAX_GSI) throw new IllegalStateException("no free GSI for an MSI route (" + msi.size() + " in use)");
        int mine = gsi;
        msi.put(mine, new GsiRoute.Msi(mine, 0, 0));
        apply();
        vm.irqfd(eventFd, mine, false);
        return new MsiRoute() {
            private long address = 0;
            private int data = 0;
            private boolean closed;

            @Override
            public void route(long a, int d) {
                synchronized (KvmFastIo.this) {
                    if (closed || a == address && d == data) return;
                    address = a;
                    data = d;
                    msi.put(mine, new GsiRoute.Msi(mine, a, d));
                    apply();
                }
            }

            @Override
            public void close() {
                synchronized (KvmFastIo.this) {
                    if (closed) return;
                    closed = true;
                    vm.irqfd(eventFd, mine, true);
                    msi.remove(mine);
                    apply();
                }
            }
        };
    }

    private void apply() {
        List<GsiRoute> all = new ArrayList<>(GsiRoute.platformDefaults());
        all.addAll(msi.values());
        vm.setGsiRouting(all);
    }
}
