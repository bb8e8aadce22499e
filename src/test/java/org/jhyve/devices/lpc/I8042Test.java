package org.jhyve.devices.lpc;

import org.jhyve.devices.Fakes;
import org.jhyve.vm.ExitStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.jhyve.devices.lpc.I8042.*;
import static org.junit.jupiter.api.Assertions.*;

class I8042Test {
    private Fakes.Vm vm;
    private Fakes.Irq kbd, aux;
    private I8042 kc;

    @BeforeEach
    void setUp() {
        vm = new Fakes.Vm();
        kbd = new Fakes.Irq();
        aux = new Fakes.Irq();
        kc = new I8042(vm, kbd, aux);
    }

    private int status() { return (int) kc.commandPort().read(0, 1); }

    private void command(int c) { kc.commandPort().write(0, 1, c); }

    private int data() { return (int) kc.dataPort().read(0, 1); }

    private void data(int v) { kc.dataPort().write(0, 1, v); }

    @Test
    void emptyControllerReportsNoOutputAndNotBusy() {
        int s = status();
        assertEquals(0, s & (STS_OBF | STS_IBF));
        assertNotEquals(0xFF, s, "0xFF would mean no controller to Linux");
    }

    @Test
    void selfTestAnswers0x55AndSetsTheSystemFlag() {
        command(0xAA);
        assertEquals(STS_OBF, status() & STS_OBF);
        assertEquals(STS_SYS, status() & STS_SYS);
        assertEquals(0x55, data());
        assertEquals(0, status() & STS_OBF);
    }

    @Test
    void interfaceTestsPass() {
        command(0xAB);
        assertEquals(0x00, data());
        command(0xA9);
        assertEquals(0x00, data());
    }

    @Test
    void commandByteReadWriteAndPortEnables() {
        command(0x20);
        int ctr = data();
        assertEquals(CTR_KBDINT | CTR_SYS | CTR_XLATE, ctr);
        command(0x60);
        data(0x00);
        command(0x20);
        assertEquals(0x00, data());
        command(0xA7);
        command(0xAD);
        command(0x20);
        assertEquals(CTR_AUXDIS | CTR_KBDDIS, data());
        command(0xA8);
        command(0xAE);
        command(0x20);
        assertEquals(0, data());
    }

    @Test
    void auxLoopbackComesBackAsAuxDataWithIrq12() {
        command(0x60);
        data(CTR_AUXINT);
        command(0xD3);
        data(0x5A);
        assertEquals(STS_OBF | STS_AUXDATA, status() & (STS_OBF | STS_AUXDATA));
        assertEquals(1, aux.pulses);
        assertEquals(0x5A, data());
        assertEquals(0, kbd.pulses);
    }

    @Test
    void keyboardAcknowledgesAndIdentifiesWithIrq1() {
        data(0xF2);   // identify
        assertEquals(1, kbd.pulses);
        assertEquals(0xFA, data());
        assertEquals(0xAB, data());
        assertEquals(0x41, data(), "translated MF2 id");
        assertEquals(3, kbd.pulses, "one interrupt per byte");
        data(0xFF);   // reset
        assertEquals(0xFA, data());
        assertEquals(0xAA, data());
        data(0xED);   // LEDs, then the argument
        assertEquals(0xFA, data());
        data(0x07);
        assertEquals(0xFA, data());
        data(0xF0);   // scan set: query
        assertEquals(0xFA, data());
        data(0x00);
        assertEquals(0xFA, data());
        assertEquals(0x41, data());
        data(0xEE);
        assertEquals(0xEE, data());
    }

    @Test
    void noInterruptWhenTheCommandByteMasksIt() {
        command(0x60);
        data(0);
        data(0xF4);
        assertEquals(0, kbd.pulses);
        assertEquals(0xFA, data());
    }

    @Test
    void pulseResetLineReboots() {
        command(0xFE);
        assertEquals(ExitStatus.REBOOT, vm.first());
    }

    @Test
    void otherPulseCommandsDoNot() {
        command(0xFF);
        assertNull(vm.first());
    }

    @Test
    void outputPortWithResetBitClearReboots() {
        command(0xD0);
        assertEquals(0x03, data());
        command(0xD1);
        data(0x03);   // A20 on, reset line high: fine
        assertNull(vm.first());
        command(0xD1);
        data(0x02);
        assertEquals(ExitStatus.REBOOT, vm.first());
    }

    @Test
    void auxDeviceCommandsGetResend() {
        command(0xD4);
        data(0xF2);
        assertEquals(STS_AUXDATA, status() & STS_AUXDATA);
        assertEquals(0xFE, data());
    }
}
