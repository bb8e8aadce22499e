package org.jhyve.vm;

import org.jhyve.bus.Bus;
import org.jhyve.bus.IrqLine;
import org.jhyve.bus.MsiSink;
import org.jhyve.sys.CpuidEntry;
import org.jhyve.sys.GsiRoute;
import org.jhyve.sys.Kick;
import org.jhyve.sys.Kvm;
import org.jhyve.sys.KvmVcpu;
import org.jhyve.sys.KvmVm;
import org.jhyve.sys.Libc;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The VM core: a KVM VM with guest RAM, the in-kernel interrupt controllers and PIT, two buses
 * (port I/O and MMIO), and one thread per vCPU. It ends with exactly one {@link ExitStatus}: the
 * first request wins.
 */
public final class Vm implements VmControl, AutoCloseable {
    /** Three pages KVM needs for the real-mode TSS and identity map on Intel, below the BIOS area. */
    static final long TSS_ADDR = 0xFFFB_D000L, IDENTITY_MAP_ADDR = 0xFFFB_C000L;
    private static final long HALT_CHECK_MS = 200;

    private final MachineSpec spec;
    private final Kvm kvm;
    private final KvmVm kvmVm;
    private final GuestMemory memory;
    private final Bus pio;
    private final Bus mmio;
    private final Msrs msrs;
    private SyscallEntryFix syscallFix;
    private final List<Vcpu> vcpus = new ArrayList<>();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final AtomicBoolean loggedUnclaimedIo = new AtomicBoolean();
    private volatile Consumer<KvmVcpu> bspSetup = v -> {};
    private org.jhyve.bus.FastIo fastIo;
    private Thread pitSetup;
    /** Registers guest RAM (and the MSR filter) with KVM while the main thread goes on; {@link #awaitKvmSetup} joins it. */
    private Thread kvmSetup;
    private volatile RuntimeException kvmSetupFailure;

    /** How the VM ended. */
    public record Outcome(ExitStatus status, String reason, Throwable cause) {}

    public Vm(MachineSpec spec) {
        this(spec, null);
    }

    /**
     * A VM whose RAM is the given memory (a VM home's shared file), or anonymous shared memory
     * when null. The VM owns it from here and closes it.
     */
    public Vm(MachineSpec spec, GuestMemory ram) {
        this.spec = spec;
        if (ram != null && ram.size() != spec.memorySize()) {
            ram.close();
            throw new IllegalArgumentException("guest memory of " + ram.size() + " bytes for a VM of " + spec.memorySize());
        }
        try {
            this.kvm = new Kvm();
        } catch (RuntimeException e) {
            if (ram != null) ram.close();
            throw e;
        }
        for (int cap : new int[] {Kvm.CAP_IRQCHIP, Kvm.CAP_PIT2, Kvm.CAP_IMMEDIATE_EXIT, Kvm.CAP_X86_USER_SPACE_MSR}) {
            if (kvm.checkExtension(cap) == 0) throw new IllegalStateException("KVM lacks capability " + cap + ", which jhyve needs");
        }
        int maxVcpus = Math.max(kvm.checkExtension(Kvm.CAP_MAX_VCPUS), kvm.checkExtension(Kvm.CAP_NR_VCPUS));
        if (spec.topology().cpus() > maxVcpus) {
            throw new IllegalArgumentException(spec.topology().cpus() + " vCPUs requested, KVM allows " + maxVcpus);
        }
        this.kvmVm = kvm.createVm();
        this.memory = ram != null ? ram : GuestMemory.create(spec.name(), spec.memorySize());
        this.msrs = new Msrs(spec.strictMsr());
        this.pio = new Bus("port I/O", new UnclaimedIo());
        this.mmio = new Bus("MMIO", new UnclaimedMmio());
        try {
            kvmVm.setIdentityMapAddr(IDENTITY_MAP_ADDR);
            kvmVm.setTssAddr(TSS_ADDR);
            kvmVm.createIrqchip();
            kvmVm.setGsiRouting(GsiRoute.platformDefaults());
            kvmVm.createPit2();
            pitSetup = Thread.ofPlatform().name("jhyve-pit-setup").daemon().start(this::dropMissedPitTicks);
            kvmSetup = Thread.ofPlatform().name("jhyve-vm-setup").daemon().start(this::finishKvmSetup);
            if (!spec.guestInCore()) memory.advise(Libc.MADV_DONTDUMP);
            if (spec.wired()) memory.lock();
            if (spec.syscallFix()) {
                // KVM_MSR_EXIT_REASON_UNKNOWN | KVM_MSR_EXIT_REASON_FILTER: LSTAR writes come to us.
                kvmVm.enableCap(Kvm.CAP_X86_USER_SPACE_MSR, 1L << 1 | 1L << 2);
                syscallFix = new SyscallEntryFix(memory, spec.topology().cpus());
            } else {
                kvmVm.enableCap(Kvm.CAP_X86_USER_SPACE_MSR, 1L << 1); // KVM_MSR_EXIT_REASON_UNKNOWN
            }
            if (!spec.exitOnPause() && (kvm.checkExtension(Kvm.CAP_X86_DISABLE_EXITS) & 4) != 0) {
                kvmVm.enableCap(Kvm.CAP_X86_DISABLE_EXITS, 4); // KVM_X86_DISABLE_EXITS_PAUSE: bhyve's default
            }
            CpuidEntry[] supported = kvm.supportedCpuid();
            int mmapSize = kvm.vcpuMmapSize();
            for (int i = 0; i < spec.topology().cpus(); i++) {
                KvmVcpu v = kvmVm.createVcpu(i, mmapSize);
                v.setCpuid(spec.cpuidMask().apply(Cpuid.forVcpu(supported, spec.topology(), i, spec.x2apic())));
                vcpus.add(new Vcpu(this, v));
            }
            Kick.install();   // before any vCPU runs: kicks are for running vCPUs
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public MachineSpec spec() { return spec; }

    public GuestMemory memory() { return memory; }

    public Bus pio() { return pio; }

    public Bus mmio() { return mmio; }

    public KvmVm kvmVm() { return kvmVm; }

    public List<Vcpu> vcpus() { return List.copyOf(vcpus); }

    Msrs msrs() { return msrs; }

    /** An interrupt wire into the in-kernel PIC and IOAPIC. */
    public IrqLine irqLine(int gsi) {
        return asserted -> kvmVm.irqLine(gsi, asserted);
    }

    public MsiSink msiSink() {
        return kvmVm::signalMsi;
    }

    /** ioeventfd doorbells and irqfd-backed MSI routes for devices (one instance per VM). */
    public synchronized org.jhyve.bus.FastIo fastIo() {
        if (fastIo == null) fastIo = new KvmFastIo(kvmVm);
        return fastIo;
    }

    /** Boot-state work for the BSP, run on its thread before the first KVM_RUN. */
    public void setBspSetup(Consumer<KvmVcpu> setup) { this.bspSetup = setup; }

    void onVcpuThreadStart(Vcpu v) {
        var set = spec.cpusets().get(v.id());
        if (set != null) Libc.setAffinity(set);
        VcpuInit.msrs(v.kvm(), v.id() == 0, spec.x2apic());
        if (org.jhyve.sys.StartupTrace.on()) org.jhyve.sys.StartupTrace.mark("vcpu " + v.id() + ": msrs set");
        if (v.id() == 0) bspSetup.accept(v.kvm());
        if (org.jhyve.sys.StartupTrace.on()) org.jhyve.sys.StartupTrace.mark("vcpu " + v.id() + ": registers set");
    }

    /**
     * KVM_SET_USER_MEMORY_REGION and KVM_X86_SET_MSR_FILTER each wait for an SRCU grace period
     * (4-9 and 10-14 ms of a start here), time in which the main thread creates the vCPUs,
     * devices and firmware tables: none of that needs the memory slots or the filter, only
     * KVM_RUN does.
     */
    private void finishKvmSetup() {
        try {
            kvmVm.setUserMemoryRegion(0, 0, 0, memory.lowSize(), memory.lowSegment());
            if (memory.highSize() > 0) {
                kvmVm.setUserMemoryRegion(1, 0, GuestMemory.HIGHMEM_BASE, memory.highSize(), memory.highSegment());
            }
            if (spec.syscallFix()) {
                kvmVm.setMsrFilterDenyDefaultAllow(new long[][] {{SyscallEntryFix.MSR_LSTAR, 1, KvmVm.MSR_FILTER_WRITE}});
            }
        } catch (RuntimeException e) {
            kvmSetupFailure = e;
        }
    }

    /** Waits until guest RAM and the MSR filter are set in KVM; throws what failed there. Before any KVM_RUN. */
    public void awaitKvmSetup() {
        joinQuietly(kvmSetup);
        RuntimeException e = kvmSetupFailure;
        if (e != null) throw e;
    }

    private static void joinQuietly(Thread t) {
        if (t == null) return;
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /**
     * Starts the vCPU threads ahead of {@link #run}: each sets its MSRs and boot registers (the
     * BSP's from {@link #setBspSetup}, which must be set first) and waits. Optional; run starts
     * whatever was not prepared.
     */
    public void prepareVcpus() {
        for (Vcpu v : vcpus) v.prepare();
    }

    /** Starts the vCPUs and waits until the VM ends. */
    public Outcome run() {
        awaitKvmSetup();
        for (Vcpu v : vcpus) v.start();
        Outcome o;
        while (true) {
            try {
                o = outcome.get(HALT_CHECK_MS, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                checkAllHalted();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                o = new Outcome(ExitStatus.ERROR, "interrupted", e);
                break;
            } catch (java.util.concurrent.ExecutionException e) {
                o = new Outcome(ExitStatus.ERROR, e.getMessage(), e);
                break;
            }
        }
        org.jhyve.sys.StartupTrace.mark("exit: outcome seen");
        stopVcpus();
        org.jhyve.sys.StartupTrace.mark("exit: vcpus stopped");
        return o;
    }

    /**
     * bhyve exits 2 when every active vCPU executed HLT with interrupts disabled. With the
     * in-kernel LAPIC, HLT never reaches userspace, so each vCPU is sampled on its own thread:
     * halted (MP state) with RFLAGS.IF clear; vCPUs still waiting for SIPI are not active.
     */
    private void checkAllHalted() {
        List<CompletableFuture<Integer>> samples = new ArrayList<>();
        for (Vcpu v : vcpus) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            v.request(k -> {
                int mp = k.getMpState();
                if (mp == KvmVcpu.MP_STATE_UNINITIALIZED || mp == KvmVcpu.MP_STATE_INIT_RECEIVED) { f.complete(0); return; }
                boolean ifFlag = (k.getRegs().get(JAVA_LONG, 136) & 0x200) != 0;
                f.complete(mp == KvmVcpu.MP_STATE_HALTED && !ifFlag ? 1 : 2);
            });
            samples.add(f);
        }
        int halted = 0;
        for (CompletableFuture<Integer> f : samples) {
            try {
                int r = f.get(HALT_CHECK_MS, TimeUnit.MILLISECONDS);
                if (r == 2) return;
                if (r == 1) halted++;
            } catch (Exception e) {
                return;
            }
        }
        if (halted > 0) requestExit(ExitStatus.HALT, "all vCPUs halted with interrupts disabled");
    }

    private void stopVcpus() {
        for (Vcpu v : vcpus) v.stop();
        for (Vcpu v : vcpus) {
            try {
                v.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void requestExit(ExitStatus status, String reason) {
        if (org.jhyve.sys.StartupTrace.on()) org.jhyve.sys.StartupTrace.mark("exit: requested (" + reason + ")");
        outcome.complete(new Outcome(status, reason, null));
    }

    void fail(String message, Throwable cause) {
        outcome.complete(new Outcome(ExitStatus.ERROR, message, cause));
    }

    public boolean ended() { return outcome.isDone(); }

    void onHlt(Vcpu v) {
        // Only reachable without the in-kernel LAPIC; jhyve always has one.
        fail("vcpu " + v.id() + ": unexpected HLT exit", null);
    }

    private volatile org.jhyve.vm.emul.Emulator emulator;

    /**
     * KVM could not emulate an instruction: jhyve's own emulator (org.jhyve.vm.emul) carries it
     * out when it can; otherwise the VM ends (status 4) with the instruction bytes and RIP.
     */
    /** Whether this host's KVM leaves guest SYSCALLs unfinished ({@link SyscallEntryFix}). */
    public static boolean hostLosesSyscalls() { return SyscallEntryFix.hostNeedsIt(); }

    /** KVM_EXIT_DEBUG: only jhyve's own breakpoints set one. */
    void onDebugExit(Vcpu v, MemorySegment run) {
        long pc = run.get(JAVA_LONG, KvmVcpu.RUN_EXIT + 8);
        if (syscallFix != null && syscallFix.onDebugExit(v, pc)) return;
        fail(String.format("vcpu %d: unexpected debug exit at rip 0x%x", v.id(), pc), null);
    }

    /** The SYSCALL completion of this VM, null where the host needs none. */
    SyscallEntryFix syscallFix() { return syscallFix; }

    void onInternalError(Vcpu v, MemorySegment run) {
        long e = KvmVcpu.RUN_EXIT;
        int suberror = run.get(JAVA_INT, e);
        byte[] bytes = new byte[0];
        int ndata = run.get(JAVA_INT, e + 4);
        if (suberror == 1 && ndata >= 2) { // KVM_INTERNAL_ERROR_EMULATION with instruction bytes
            long flags = run.get(JAVA_LONG, e + 8);
            if ((flags & 1) != 0) {
                int n = Math.min(run.get(JAVA_BYTE, e + 16) & 0xFF, 15);
                bytes = run.asSlice(e + 17, n).toArray(JAVA_BYTE);
            }
        }
        String why = "";
        if (suberror == 1) {
            if (emulator == null) emulator = new org.jhyve.vm.emul.Emulator(org.jhyve.vm.emul.XsaveLayout.fromCpuid(kvm.supportedCpuid()));
            var state = new org.jhyve.vm.emul.KvmCpuState(v.kvm());
            try {
                var result = emulator.emulate(state, memory, bytes);
                if (result instanceof org.jhyve.vm.emul.Emulator.Done d) {
                    v.countEmulated(d.mnemonic());
                    return;
                }
                why = ": " + ((org.jhyve.vm.emul.Emulator.Refused) result).why();
            } finally {
                state.close();
            }
        }
        long rip = v.kvm().getRegs().get(JAVA_LONG, 128);
        String detail = bytes.length == 0 ? "" : ", instruction bytes " + HexFormat.ofDelimiter(" ").formatHex(bytes);
        fail(String.format("vcpu %d: KVM internal error %d (%s) at rip 0x%x%s%s", v.id(), suberror,
                suberror == 1 ? "emulation failure" : "see linux/kvm.h", rip, detail, why), null);
    }

    /**
     * The PIT drops the ticks a guest missed instead of reinjecting them, as bhyve's 8254 does
     * (on AMD hosts reinjection also keeps AVIC off for the whole VM). Now rather than never:
     * KVM's teardown of a reinjecting PIT waits for an SRCU grace period, ~15 ms of every
     * power-off here. On a thread of its own because switching waits for one as well (0-20 ms
     * measured), which the vCPUs need not wait for (a guest's PIT access meanwhile waits for the
     * PIT's lock). If KVM refuses, the PIT keeps reinjecting, which guests handle as well.
     */
    private void dropMissedPitTicks() {
        try {
            kvmVm.setPitReinject(false);
        } catch (RuntimeException e) {
            if (Boolean.getBoolean("jhyve.debug")) System.err.println("jhyve: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        stopVcpus();   // prepared threads that never ran, or a run that was not waited for
        // The VM's descriptor must outlive its set-up threads: a closed number could be reused.
        joinQuietly(pitSetup);
        joinQuietly(kvmSetup);
        for (Vcpu v : vcpus) {
            try { v.kvm().close(); } catch (RuntimeException ignored) { }
        }
        if (memory != null) memory.close();
        if (kvmVm != null) kvmVm.close();
        kvm.close();
    }

    private final class UnclaimedIo implements Bus.Unclaimed {
        @Override public long read(long addr, int size) {
            unclaimed("read", addr, size);
            return -1L;
        }

        @Override public void write(long addr, int size, long value) { unclaimed("write", addr, size); }

        private void unclaimed(String what, long port, int size) {
            if (spec.strictIo()) {
                fail(String.format("unhandled I/O %s of %d bytes at port 0x%x (-e/x86.strictio)", what, size, port), null);
            } else if (loggedUnclaimedIo.compareAndSet(false, true) && Boolean.getBoolean("jhyve.debug")) {
                System.err.printf("jhyve: unemulated I/O port 0x%x (%s)%n", port, what);
            }
        }
    }

    private static final class UnclaimedMmio implements Bus.Unclaimed {
        @Override public long read(long addr, int size) { return -1L; }

        @Override public void write(long addr, int size, long value) { }
    }
}
