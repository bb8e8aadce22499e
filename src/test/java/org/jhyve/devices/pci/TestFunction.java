package org.jhyve.devices.pci;

import java.util.ArrayList;
import java.util.List;

/** A PCI function for tests: BARs as asked, BAR accesses recorded, INTx driven by the test. */
class TestFunction extends PciDevice {
    final List<String> accesses = new ArrayList<>();
    final List<String> moves = new ArrayList<>();

    TestFunction(String name) { super(name, PciConfigSpace.type0(0x1AF4, 0x1000, 0x020000, 1)); }

    TestFunction bar(int index, BarKind kind, long size) {
        declareBar(index, kind, false, size);
        return this;
    }

    TestFunction prefetchBar(int index, long size) {
        declareBar(index, BarKind.MEM64, true, size);
        return this;
    }

    TestFunction pin(int pin) {
        declareIntxPin(pin);
        return this;
    }

    void intx(boolean level) { setIntx(level); }

    @Override
    protected long barRead(int bar, long offset, int size) {
        accesses.add("r" + bar + "@" + offset + "/" + size);
        return 0x1000L * bar + offset;
    }

    @Override
    protected void barWrite(int bar, long offset, int size, long value) {
        accesses.add("w" + bar + "@" + offset + "/" + size + "=" + Long.toHexString(value));
    }

    @Override
    protected void barMoved(int bar, long oldBase, long newBase) {
        moves.add(bar + ":" + Long.toHexString(oldBase) + "->" + Long.toHexString(newBase));
    }
}
