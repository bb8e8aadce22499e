package org.jhyve.devices.lpc;

import org.jhyve.devices.Fakes;
import org.jhyve.vm.ExitStatus;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ResetAndPostTest {
    @Test
    void writing6ToCf9Reboots() {
        Fakes.Vm vm = new Fakes.Vm();
        ResetControl r = new ResetControl(vm);
        r.write(0, 1, 0x02);   // select hard reset: not yet
        assertNull(vm.first());
        assertEquals(0x02, r.read(0, 1));
        r.write(0, 1, 0x06);
        assertEquals(ExitStatus.REBOOT, vm.first());
        assertTrue(vm.reasons.getFirst().contains("0xcf9"));
    }

    @Test
    void softResetAlsoReboots() {
        Fakes.Vm vm = new Fakes.Vm();
        new ResetControl(vm).write(0, 1, 0x04);
        assertEquals(ExitStatus.REBOOT, vm.first());
    }

    @Test
    void wideAccessesAreNotTheResetRegister() {
        Fakes.Vm vm = new Fakes.Vm();
        new ResetControl(vm).write(0, 2, 0x0606);
        assertNull(vm.first());
    }

    @Test
    void port80KeepsTheLastCode() {
        Port80 p = new Port80();
        assertEquals(0xFF, p.lastCode());
        p.write(0, 1, 0x12);
        p.write(0, 1, 0x1AB);
        assertEquals(0xAB, p.lastCode());
        assertEquals(0xAB, p.read(0, 1));
        assertEquals(2, p.writeCount());
    }
}
