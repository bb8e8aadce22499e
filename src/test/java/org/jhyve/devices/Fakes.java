package org.jhyve.devices;

import org.jhyve.bus.Bus;
import org.jhyve.bus.IrqLine;
import org.jhyve.vm.ExitStatus;
import org.jhyve.vm.VmControl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/** Plain-Java stand-ins for the VM: buses that read all-ones when unclaimed, recording wires and exits. */
public final class Fakes {
    private Fakes() { }

    public static Bus bus(String name) {
        return new Bus(name, new Bus.Unclaimed() {
            @Override public long read(long addr, int size) { return size == 8 ? -1L : (1L << 8 * size) - 1; }

            @Override public void write(long addr, int size, long value) { }
        });
    }

    /** A wire that remembers its level and counts rising edges. */
    public static final class Irq implements IrqLine {
        public volatile boolean level;
        public volatile int rises;
        public volatile int pulses;

        @Override
        public synchronized void set(boolean asserted) {
            if (asserted && !level) rises++;
            level = asserted;
        }

        @Override
        public synchronized void pulse() {
            pulses++;
            rises++;
        }
    }

    /** Wires by GSI, created on demand. */
    public static final class Irqs implements IntFunction<IrqLine> {
        private final Map<Integer, Irq> lines = new HashMap<>();

        @Override public synchronized Irq apply(int gsi) { return lines.computeIfAbsent(gsi, g -> new Irq()); }
    }

    /** Records exit requests; the first wins as VmControl requires. */
    public static final class Vm implements VmControl {
        public final List<ExitStatus> exits = new ArrayList<>();
        public final List<String> reasons = new ArrayList<>();

        @Override
        public synchronized void requestExit(ExitStatus status, String reason) {
            exits.add(status);
            reasons.add(reason);
        }

        public synchronized ExitStatus first() { return exits.isEmpty() ? null : exits.getFirst(); }
    }
}
