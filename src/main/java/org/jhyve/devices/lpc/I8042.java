package org.jhyve.devices.lpc;

import org.jhyve.bus.Bus;
import org.jhyve.bus.IoDevice;
import org.jhyve.bus.IrqLine;
import org.jhyve.vm.ExitStatus;
import org.jhyve.vm.VmControl;

import java.util.ArrayDeque;

/**
 * A minimal 8042 keyboard controller at 0x60 (data) and 0x64 (status/command): controller
 * self-test and interface tests, the command byte, port enables, the output port, AUX loopback,
 * and a keyboard that acknowledges its commands (reset, identify, LEDs, scan set...) but never
 * produces keys. Command 0xFE (pulse reset line) and clearing output port bit 0 reboot, as on PCs.
 * That is what Linux's i8042/atkbd probes and firmware expect; no byte they wait for goes missing.
 * Output bytes raise IRQ 1 (keyboard) or IRQ 12 (AUX) when the command byte enables them.
 */
public final class I8042 {
    public static final int DATA = 0x60, COMMAND = 0x64;
    public static final int STS_OBF = 0x01, STS_IBF = 0x02, STS_SYS = 0x04, STS_CMD = 0x08, STS_UNLOCKED = 0x10,
            STS_AUXDATA = 0x20;
    public static final int CTR_KBDINT = 0x01, CTR_AUXINT = 0x02, CTR_SYS = 0x04, CTR_KBDDIS = 0x10, CTR_AUXDIS = 0x20,
            CTR_XLATE = 0x40;
    private static final int ACK = 0xFA;

    private final VmControl vm;
    private final IrqLine kbdIrq, auxIrq;
    private final ArrayDeque<int[]> output = new ArrayDeque<>();   // {byte, fromAux}
    private int commandByte = CTR_KBDINT | CTR_SYS | CTR_XLATE;
    private int status = STS_UNLOCKED;
    private int pendingCommand = -1;       // controller command waiting for its data byte
    private int pendingKbdCommand = -1;    // keyboard command waiting for its argument
    private int outputPort = 0x03;         // bit 0: reset line high (no reset), bit 1: A20 enabled
    private int scanSet = 2;

    public I8042(VmControl vm, IrqLine kbdIrq, IrqLine auxIrq) {
        this.vm = vm;
        this.kbdIrq = kbdIrq;
        this.auxIrq = auxIrq;
    }

    public void register(Bus pio) {
        pio.register(DATA, 1, dataPort, "i8042 data");
        pio.register(COMMAND, 1, commandPort, "i8042 command");
    }

    public IoDevice dataPort() { return dataPort; }

    public IoDevice commandPort() { return commandPort; }

    private final IoDevice dataPort = new IoDevice() {
        @Override public long read(long offset, int size) { return readData(); }

        @Override public void write(long offset, int size, long value) { writeData((int) value & 0xFF); }
    };

    private final IoDevice commandPort = new IoDevice() {
        @Override public long read(long offset, int size) { return readStatus(); }

        @Override public void write(long offset, int size, long value) { writeCommand((int) value & 0xFF); }
    };

    private synchronized int readStatus() {
        int s = status & ~(STS_OBF | STS_AUXDATA);
        int[] head = output.peek();
        if (head != null) s |= STS_OBF | (head[1] != 0 ? STS_AUXDATA : 0);
        return s;
    }

    private synchronized int readData() {
        int[] head = output.poll();
        raiseForHead();
        return head == null ? 0 : head[0];
    }

    private void writeCommand(int cmd) {
        boolean reset = false;
        synchronized (this) {
            status |= STS_CMD;
            pendingCommand = -1;
            switch (cmd) {
                case 0x20 -> controllerReply(commandByte);
                case 0x60, 0xD1, 0xD2, 0xD3, 0xD4 -> pendingCommand = cmd;
                case 0xA7 -> commandByte |= CTR_AUXDIS;
                case 0xA8 -> commandByte &= ~CTR_AUXDIS;
                case 0xA9, 0xAB -> controllerReply(0x00);   // AUX / keyboard interface test: no error
                case 0xAA -> {
                    status |= STS_SYS;
                    controllerReply(0x55);
                }
                case 0xAD -> commandByte |= CTR_KBDDIS;
                case 0xAE -> commandByte &= ~CTR_KBDDIS;
                case 0xC0 -> controllerReply(0x00);          // input port
                case 0xD0 -> controllerReply(outputPort);
                case 0xE0 -> controllerReply(0x00);          // test inputs
                default -> {
                    // 0xF0-0xFF pulse output lines; bit 0 of the low nibble clear pulses reset.
                    if (cmd >= 0xF0 && (cmd & 0x01) == 0) reset = true;
                }
            }
        }
        if (reset) vm.requestExit(ExitStatus.REBOOT, String.format("reset through the keyboard controller (0x%02x)", cmd));
    }

    private void writeData(int value) {
        boolean reset = false;
        synchronized (this) {
            status &= ~STS_CMD;
            int cmd = pendingCommand;
            pendingCommand = -1;
            switch (cmd) {
                case 0x60 -> {
                    commandByte = value;
                    status = (status & ~STS_SYS) | (value & CTR_SYS);
                    raiseForHead();
                }
                case 0xD1 -> {
                    outputPort = value;
                    reset = (value & 0x01) == 0;
                }
                case 0xD2 -> queue(value, false);   // as if the keyboard sent it
                case 0xD3 -> queue(value, true);    // AUX loopback
                case 0xD4 -> queue(0xFE, true);     // no mouse: "resend" for every AUX command
                default -> keyboardCommand(value);
            }
        }
        if (reset) vm.requestExit(ExitStatus.REBOOT, "reset through the keyboard controller output port");
    }

    /** A byte sent to the keyboard itself. */
    private void keyboardCommand(int value) {
        commandByte &= ~CTR_KBDDIS;   // writing to the keyboard enables its interface
        int pending = pendingKbdCommand;
        pendingKbdCommand = -1;
        if (pending == 0xF0) {
            if (value == 0) {
                queue(ACK, false);
                queue((commandByte & CTR_XLATE) != 0 ? translated(scanSet) : scanSet, false);
            } else {
                scanSet = value & 3;
                queue(ACK, false);
            }
            return;
        }
        if (pending >= 0) {   // argument of LEDs / typematic / other: acknowledged
            queue(ACK, false);
            return;
        }
        switch (value) {
            case 0xFF -> {   // reset and self-test
                queue(ACK, false);
                queue(0xAA, false);
            }
            case 0xF2 -> {   // identify: MF2 keyboard
                queue(ACK, false);
                queue(0xAB, false);
                queue((commandByte & CTR_XLATE) != 0 ? 0x41 : 0x83, false);
            }
            case 0xEE -> queue(0xEE, false);   // echo
            case 0xED, 0xF0, 0xF3 -> {
                pendingKbdCommand = value;
                queue(ACK, false);
            }
            default -> queue(ACK, false);   // enable, disable, defaults, set-all-keys...
        }
    }

    /** The scan set number as it reads through the controller's set 2 to set 1 translation. */
    private static int translated(int set) {
        return switch (set) {
            case 1 -> 0x43;
            case 2 -> 0x41;
            default -> 0x3F;
        };
    }

    private void controllerReply(int b) {
        output.clear();   // a controller reply replaces stale device bytes, so probes read it next
        queue(b, false);
    }

    private void queue(int b, boolean aux) {
        boolean wasEmpty = output.isEmpty();
        output.add(new int[] {b & 0xFF, aux ? 1 : 0});
        if (wasEmpty) raiseForHead();
    }

    /** Pulses the interrupt of the byte now at the head of the output buffer, if enabled. */
    private void raiseForHead() {
        int[] head = output.peek();
        if (head == null) return;
        if (head[1] != 0) {
            if ((commandByte & CTR_AUXINT) != 0) auxIrq.pulse();
        } else if ((commandByte & CTR_KBDINT) != 0) {
            kbdIrq.pulse();
        }
    }
}
