package org.jhyve.vm;

import org.jhyve.KvmAvailable;
import org.jhyve.boot.PvhBoot;
import org.jhyve.bus.FastIo;
import org.jhyve.bus.IoDevice;
import org.jhyve.sys.EventFd;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ioeventfd doorbells and irqfd MSI routes on real KVM, with a hand-assembled 32-bit guest. */
@Tag("kvm")
class KvmFastIoTest {
    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    @Test
    void matchingWriteSignalsTheEventfdAndOthersReachTheBus() {
        // mov dx,0x6000; mov ax,3; out dx,ax; mov ax,5; out dx,ax; mov ax,3; out dx,ax; cli; hlt
        byte[] code = {0x66, (byte) 0xBA, 0x00, 0x60, 0x66, (byte) 0xB8, 0x03, 0x00, 0x66, (byte) 0xEF,
                0x66, (byte) 0xB8, 0x05, 0x00, 0x66, (byte) 0xEF, 0x66, (byte) 0xB8, 0x03, 0x00, 0x66, (byte) 0xEF,
                (byte) 0xFA, (byte) 0xF4};
        List<Long> seen = new ArrayList<>();
        try (Vm vm = new Vm(MachineSpec.simple("t", 16 << 20, 1)); EventFd fd = new EventFd()) {
            vm.memory().write(VmTest.CODE, code);
            vm.pio().register(0x6000, 2, new IoDevice() {
                @Override public long read(long offset, int size) { return 0; }

                @Override public void write(long offset, int size, long value) {
                    synchronized (seen) { seen.add(value); }
                }
            }, "doorbell");
            FastIo fast = vm.fastIo();
            FastIo.Registration bell = fast.doorbell(fd.fd(), true, 0x6000, 2, 3);
            vm.setBspSetup(v -> PvhBoot.setupBsp(v, new PvhBoot.Entry(VmTest.CODE, 0x6000)));
            Vm.Outcome o = vm.run();
            assertEquals(ExitStatus.HALT, o.status(), o.reason());
            assertEquals(2, fd.drain(), "two writes of 3 went to the eventfd");
            assertEquals(List.of(5L), seen, "only the non-matching write exited to the bus");
            bell.close();
        }
    }

    @Test
    void msiRoutesCanBeCreatedMovedAndRemoved() {
        try (Vm vm = new Vm(MachineSpec.simple("t", 16 << 20, 1)); EventFd a = new EventFd(); EventFd b = new EventFd()) {
            FastIo fast = vm.fastIo();
            FastIo.MsiRoute ra = fast.msiRoute(a.fd());
            FastIo.MsiRoute rb = fast.msiRoute(b.fd());
            ra.route(0xFEE00000L, 0x41);
            rb.route(0xFEE01000L, 0x42);
            ra.close();
            FastIo.MsiRoute rc = fast.msiRoute(a.fd());   // reuses the freed GSI
            rc.route(0xFEE00000L, 0x43);
            a.signal();   // an irqfd write with a valid route is accepted by KVM
            rc.close();
            rb.close();
        }
    }
}
