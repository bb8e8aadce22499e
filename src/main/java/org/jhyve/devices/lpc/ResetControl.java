package org.jhyve.devices.lpc;

import org.jhyve.bus.IoDevice;
import org.jhyve.vm.ExitStatus;
import org.jhyve.vm.VmControl;

/**
 * The reset control register at 0xCF9. As in bhyve, any byte written with bit 2 (reset CPU) set
 * resets the machine, hard (bit 1) and soft resets alike; reads return the last value written.
 */
public final class ResetControl implements IoDevice {
    public static final int PORT = 0xCF9;
    public static final int RESET_CPU = 0x04, FULL_RESET = 0x02;

    private final VmControl vm;
    private volatile int value;

    public ResetControl(VmControl vm) { this.vm = vm; }

    @Override
    public long read(long offset, int size) { return value; }

    @Override
    public void write(long offset, int size, long v) {
        if (size != 1) return;   // only byte accesses reach this register on real chipsets
        value = (int) v & 0xFF;
        if ((value & RESET_CPU) != 0) vm.requestExit(ExitStatus.REBOOT, String.format("reset through port 0xcf9 (0x%02x)", value));
    }
}
