package org.jhyve.vm;

import org.jhyve.KvmAvailable;
import org.jhyve.boot.PvhBoot;
import org.jhyve.bus.IoDevice;
import org.jhyve.config.Topology;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The VM core on real KVM with hand-assembled 32-bit guests entered as PVH would be. */
@Tag("kvm")
class VmTest {
    static final long CODE = 0x100000;

    @BeforeEach
    void kvm() { KvmAvailable.require(); }

    private Vm.Outcome runCode(byte[] code, int cpus, IoDevice at3f8, StringBuilder log) {
        try (Vm vm = new Vm(MachineSpec.simple("t", 16 << 20, cpus))) {
            vm.memory().write(CODE, code);
            if (at3f8 != null) vm.pio().register(0x3f8, 8, at3f8, "capture");
            vm.setBspSetup(v -> PvhBoot.setupBsp(v, new PvhBoot.Entry(CODE, 0x6000)));
            Vm.Outcome o = vm.run();
            if (log != null) log.append(o.reason());
            return o;
        }
    }

    /** mov dx, 0x3f8; mov al, 'o'; out dx, al; mov al, 'k'; out dx, al; cli; hlt; jmp $-3 */
    private static final byte[] OK_THEN_HALT = {0x66, (byte) 0xBA, (byte) 0xF8, 0x03, (byte) 0xB0, 'o', (byte) 0xEE,
            (byte) 0xB0, 'k', (byte) 0xEE, (byte) 0xFA, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD};

    private static IoDevice capture(ByteArrayOutputStream out) {
        return new IoDevice() {
            @Override public long read(long offset, int size) { return 0; }
            @Override public void write(long offset, int size, long value) { if (offset == 0) out.write((int) value); }
        };
    }

    @Test
    void portOutputReachesTheBusAndCliHltIsExitHalt() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Vm.Outcome o = runCode(OK_THEN_HALT, 1, capture(out), null);
        assertEquals("ok", out.toString());
        assertEquals(ExitStatus.HALT, o.status(), o.reason());
    }

    @Test
    void preparedVcpusBootWhenRun() {
        // The guest's code is written after the vCPU threads were prepared, as firmware is in a
        // start; run then boots it with the registers set once (that a prepared thread waits
        // for run is checked below, where nothing runs it).
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Vm vm = new Vm(MachineSpec.simple("t", 16 << 20, 2))) {
            AtomicInteger setups = new AtomicInteger();
            vm.setBspSetup(v -> {
                setups.incrementAndGet();
                PvhBoot.setupBsp(v, new PvhBoot.Entry(CODE, 0x6000));
            });
            vm.prepareVcpus();
            vm.memory().write(CODE, OK_THEN_HALT);
            vm.pio().register(0x3f8, 8, capture(out), "capture");
            Vm.Outcome o = vm.run();
            assertEquals(ExitStatus.HALT, o.status(), o.reason());
            assertEquals("ok", out.toString());
            assertEquals(1, setups.get());
        }
    }

    @Test
    void preparedVcpusThatNeverRunEndWithTheVm() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Vm vm = new Vm(MachineSpec.simple("t", 16 << 20, 1));
        CountDownLatch setUp = new CountDownLatch(1);
        List<Vcpu> vcpus;
        try {
            vm.memory().write(CODE, OK_THEN_HALT);
            vm.pio().register(0x3f8, 8, capture(out), "capture");
            vm.setBspSetup(v -> {
                PvhBoot.setupBsp(v, new PvhBoot.Entry(CODE, 0x6000));
                setUp.countDown();
            });
            vm.prepareVcpus();
            vcpus = vm.vcpus();
            assertTrue(awaitQuietly(setUp), "the BSP's thread set its registers");
            // Time for a thread that did not wait to enter the guest: it would print "ok" at once
            // (or fail its first exit while RAM is still being registered); either shows below.
            sleepQuietly(300);
            assertEquals("", out.toString());
        } finally {
            vm.close();   // a creation that failed after the threads were prepared
        }
        assertEquals("", out.toString());
        for (Vcpu v : vcpus) {
            long[] exits = v.exitCounts();
            for (long n : exits) assertEquals(0, n, "vcpu " + v.id() + " entered the guest");
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean awaitQuietly(CountDownLatch l) {
        try {
            return l.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void faultWithEmptyIdtIsTripleFault() {
        // mov esp, 0x8000; push 0; push 0; lidt [esp]; ud2
        byte[] code = {(byte) 0xBC, 0x00, (byte) 0x80, 0x00, 0x00, 0x6A, 0x00, 0x6A, 0x00, 0x0F, 0x01, 0x1C, 0x24, 0x0F, 0x0B};
        Vm.Outcome o = runCode(code, 1, null, null);
        assertEquals(ExitStatus.TRIPLE_FAULT, o.status(), o.reason());
    }

    @Test
    void haltWithInterruptsEnabledIsNotExitHalt() {
        // sti; hlt (wakes on the PIT? none programmed) -> after a moment write to port 0x3f8 never
        // happens; the VM must still be running when we check, so we end it from outside.
        byte[] code = {(byte) 0xFB, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD};
        try (Vm vm = new Vm(MachineSpec.simple("t", 16 << 20, 1))) {
            vm.memory().write(CODE, code);
            vm.setBspSetup(v -> PvhBoot.setupBsp(v, new PvhBoot.Entry(CODE, 0x6000)));
            Thread t = Thread.ofPlatform().start(() -> {
                try { Thread.sleep(1000); } catch (InterruptedException e) { return; }
                vm.requestExit(ExitStatus.POWEROFF, "test ends it");
            });
            Vm.Outcome o = vm.run();
            assertEquals(ExitStatus.POWEROFF, o.status(), o.reason());
            assertTrue(o.reason().contains("test ends it"));
            t.interrupt();
        }
    }

    @Test
    void unclaimedPortIsFatalWithStrictIo() {
        byte[] code = {(byte) 0xB0, 0x01, (byte) 0xE6, 0x55, (byte) 0xFA, (byte) 0xF4}; // mov al,1; out 0x55,al; cli; hlt
        MachineSpec strict = new MachineSpec("t", 16 << 20, new Topology(1, 1, 1, 1), false, true, true, false, false,
                false, null);
        try (Vm vm = new Vm(strict)) {
            vm.memory().write(CODE, code);
            vm.setBspSetup(v -> PvhBoot.setupBsp(v, new PvhBoot.Entry(CODE, 0x6000)));
            Vm.Outcome o = vm.run();
            assertEquals(ExitStatus.ERROR, o.status());
            assertTrue(o.reason().contains("0x55"), o.reason());
        }
    }

    /** mov ecx, 0x12345678; rdmsr; mov dx, 0x3f8; out dx, al; cli; hlt */
    static final byte[] RDMSR_UNKNOWN = {(byte) 0xB9, 0x78, 0x56, 0x34, 0x12, 0x0F, 0x32, 0x66, (byte) 0xBA, (byte) 0xF8, 0x03,
            (byte) 0xEE, (byte) 0xFA, (byte) 0xF4};

    private Vm.Outcome runMsrGuest(boolean strictMsr, java.io.ByteArrayOutputStream out) {
        MachineSpec spec = new MachineSpec("t", 16 << 20, new Topology(1, 1, 1, 1), false, false, strictMsr, false, false,
                false, null);
        try (Vm vm = new Vm(spec)) {
            vm.memory().write(CODE, RDMSR_UNKNOWN);
            vm.pio().register(0x3f8, 8, new IoDevice() {
                @Override public long read(long offset, int size) { return 0; }
                @Override public void write(long offset, int size, long value) { out.write((int) value); }
            }, "capture");
            vm.setBspSetup(v -> PvhBoot.setupBsp(v, new PvhBoot.Entry(CODE, 0x6000)));
            return vm.run();
        }
    }

    @Test
    void unknownMsrIsGpWhenStrictAndZeroWithW() {
        java.io.ByteArrayOutputStream strictOut = new java.io.ByteArrayOutputStream();
        // Strict: #GP with no IDT set up escalates to a triple fault; the port write never happens.
        assertEquals(ExitStatus.TRIPLE_FAULT, runMsrGuest(true, strictOut).status());
        assertEquals(0, strictOut.size());
        java.io.ByteArrayOutputStream lenientOut = new java.io.ByteArrayOutputStream();
        Vm.Outcome o = runMsrGuest(false, lenientOut);
        assertEquals(ExitStatus.HALT, o.status(), o.reason());
        assertArrayEquals(new byte[] {0}, lenientOut.toByteArray(), "rdmsr read 0 under -w");
    }
    /**
     * Guest RAM is registered with KVM on a helper thread; what KVM refuses there must still be
     * the VM's failure, before any vCPU runs: here a host mapping that is not page aligned.
     */
    @Test
    void ramThatKvmRefusesFailsTheVmBeforeItRuns() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            long size = 16 << 20;
            GuestMemory misaligned = GuestMemory.wrap(arena.allocate(size + 4096, 4096).asSlice(8, size));
            try (Vm vm = new Vm(MachineSpec.simple("t", size, 1), misaligned)) {
                RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, vm::awaitKvmSetup);
                assertTrue(e.getMessage().contains("KVM_SET_USER_MEMORY_REGION"), e.getMessage());
                RuntimeException again = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, vm::run);
                assertTrue(again.getMessage().contains("KVM_SET_USER_MEMORY_REGION"), again.getMessage());
            }
        }
    }
}
