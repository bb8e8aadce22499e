package org.jhyve.devices;

import org.jhyve.bus.IrqLine;

import java.util.function.Consumer;

/**
 * One interrupt wire driven by several devices (PCI functions on one GSI, COM1 and COM3 on IRQ 4):
 * it is asserted while any member asserts it, so one member dropping its request does not drop
 * another's. The optional listener hears every change of the combined level.
 */
public final class SharedIrqLine {
    private final IrqLine line;
    private final Consumer<Boolean> listener;
    private int asserted;

    public SharedIrqLine(IrqLine line) { this(line, level -> { }); }

    public SharedIrqLine(IrqLine line, Consumer<Boolean> listener) {
        this.line = line;
        this.listener = listener;
    }

    /** A new member's view of the wire; each member only ever moves its own share. */
    public IrqLine member() {
        return new IrqLine() {
            private boolean mine;

            @Override
            public void set(boolean level) {
                synchronized (SharedIrqLine.this) {
                    if (level == mine) return;
                    mine = level;
                    boolean before = asserted > 0;
                    asserted += level ? 1 : -1;
                    boolean after = asserted > 0;
                    if (before != after) {
                        line.set(after);
                        listener.accept(after);
                    }
                }
            }

            @Override
            public void pulse() {
                // An edge from one member: only visible when nobody holds the wire up already.
                synchronized (SharedIrqLine.this) {
                    if (asserted == 0) line.pulse();
                }
            }
        };
    }

    public synchronized boolean asserted() { return asserted > 0; }
}
