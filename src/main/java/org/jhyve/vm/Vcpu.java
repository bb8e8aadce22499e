package org.jhyve.vm;

import org.jhyve.bus.Bus;
import org.jhyve.sys.KvmVcpu;
import org.jhyve.sys.Libc;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One vCPU and its thread ("vcpu N", a named platform thread: it blocks in KVM_RUN). The loop
 * runs the guest and dispatches each exit; another thread reaches it only through
 * {@link #request}, which kicks it out of KVM_RUN so the work happens on the vCPU's own thread
 * (KVM's vCPU ioctls belong to the thread in KVM_RUN).
 */
public final class Vcpu {
    private final Vm vm;
    private final KvmVcpu kvm;
    private final MemorySegment run;
    private final Thread thread;
    private volatile int tid;
    private final CountDownLatch started = new CountDownLatch(1);
    /** Opened by {@link #start} (or {@link #stop}): until then a prepared thread does not enter the guest. */
    private final CountDownLatch go = new CountDownLatch(1);
    private boolean prepared;
    private final java.util.concurrent.ConcurrentLinkedQueue<Consumer<KvmVcpu>> requests =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean stop;
    /** Exits by KVM exit reason, plus kicks at index {@link #KICKS}, for jhyvectl --get-stats. */
    private final java.util.concurrent.atomic.AtomicLongArray exits = new java.util.concurrent.atomic.AtomicLongArray(KICKS + 1);
    public static final int KICKS = 64;
    private static final boolean DEBUG = Boolean.getBoolean("jhyve.debug.exits");

    Vcpu(Vm vm, KvmVcpu kvm) {
        this.vm = vm;
        this.kvm = kvm;
        this.run = kvm.runPage();
        this.thread = Thread.ofPlatform().name("vcpu " + kvm.id()).daemon(true).unstarted(this::loop);
    }

    public int id() { return kvm.id(); }

    public KvmVcpu kvm() { return kvm; }

    Vm vm() { return vm; }

    /**
     * Starts the thread, which sets the vCPU's MSRs and boot registers and then waits for
     * {@link #start}: done while the main thread still builds devices and firmware, the thread's
     * creation and those ioctls are off the way to the first KVM_RUN.
     */
    synchronized void prepare() {
        if (!prepared) {
            prepared = true;
            thread.start();
        }
    }

    /** Lets the vCPU run (preparing it first if need be), once its set-up is done. */
    void start() {
        prepare();
        awaitUninterruptibly(started);
        go.countDown();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** Runs work on the vCPU thread between two KVM_RUNs. */
    public void request(Consumer<KvmVcpu> work) {
        requests.add(work);
        kick();
    }

    /**
     * Runs work on the vCPU thread and waits for its result (jhyvectl's register reads); fails
     * when the vCPU does not answer within {@code timeoutMs}, e.g. because its thread has ended.
     */
    public <T> T call(java.util.function.Function<KvmVcpu, T> work, long timeoutMs) {
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        if (!thread.isAlive()) throw new IllegalStateException("vcpu " + id() + " is not running");
        request(k -> {
            try {
                f.complete(work.apply(k));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        try {
            return f.get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("vcpu " + id() + " did not answer within " + timeoutMs + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("vcpu " + id() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for vcpu " + id());
        }
    }

    /** Instructions jhyve's emulator carried out on this vCPU, by mnemonic (jhyvectl --get-stats). */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> emulated =
            new java.util.concurrent.ConcurrentHashMap<>();

    void countEmulated(String mnemonic) {
        emulated.computeIfAbsent(mnemonic, k -> new java.util.concurrent.atomic.LongAdder()).increment();
    }

    /** A copy of the emulated-instruction counts, by mnemonic. */
    public java.util.Map<String, Long> emulatedCounts() {
        var out = new java.util.TreeMap<String, Long>();
        emulated.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Exit counts by KVM exit reason (index {@link #KICKS}: kicks out of KVM_RUN). */
    public long[] exitCounts() {
        long[] out = new long[exits.length()];
        for (int i = 0; i < out.length; i++) out[i] = exits.get(i);
        return out;
    }

    void stop() {
        stop = true;
        go.countDown();   // a prepared thread that was never started ends without entering the guest
        kick();
    }

    void join(long millis) throws InterruptedException { thread.join(millis); }

    private void kick() {
        kvm.setImmediateExit(true);
        int t = tid;
        if (t == 0 || !thread.isAlive()) return;
        try {
            org.jhyve.sys.Kick.send(t);
        } catch (org.jhyve.sys.SysException e) {
            // ESRCH: the thread ended between the check and the signal; nothing left to kick.
            if (e.errno != 3) throw e;
        }
    }

    private void loop() {
        tid = Libc.gettid();
        if (org.jhyve.sys.StartupTrace.on()) org.jhyve.sys.StartupTrace.mark("vcpu " + id() + ": thread started");
        try {
            vm.onVcpuThreadStart(this);
        } catch (RuntimeException e) {
            started.countDown();
            vm.fail("vcpu " + id() + " set-up failed: " + e.getMessage(), e);
            return;
        }
        started.countDown();
        awaitUninterruptibly(go);
        try {
            // An ended VM (S5, reset, a triple fault: usually this vCPU's own last exit) is not
            // entered again: the main thread would only have to signal it back out.
            while (!stop && !vm.ended()) {
                int rc = kvm.run();
                if (rc < 0) {
                    if (rc == -Libc.EINTR || rc == -Libc.EAGAIN) {
                        exits.incrementAndGet(KICKS);
                        kvm.setImmediateExit(false);
                        drainRequests();
                        continue;
                    }
                    vm.fail("KVM_RUN on vcpu " + id() + " failed: " + Libc.strerror(-rc), null);
                    return;
                }
                handleExit();
            }
        } catch (RuntimeException e) {
            vm.fail("vcpu " + id() + ": " + e.getMessage(), e);
        }
    }

    private void drainRequests() {
        Consumer<KvmVcpu> w;
        while ((w = requests.poll()) != null) w.accept(kvm);
    }

    private void handleExit() {
        int reason = kvm.exitReason();
        if (reason >= 0 && reason < KICKS) exits.incrementAndGet(reason);
        if (DEBUG) System.err.println("vcpu " + id() + " exit " + reason + " rip 0x" + Long.toHexString(kvm.getRegs().get(JAVA_LONG, 128)));
        switch (reason) {
            case KvmVcpu.EXIT_IO -> handleIo();
            case KvmVcpu.EXIT_MMIO -> handleMmio();
            case KvmVcpu.EXIT_SHUTDOWN -> vm.requestExit(ExitStatus.TRIPLE_FAULT, "vcpu " + id() + " triple fault");
            case KvmVcpu.EXIT_HLT -> vm.onHlt(this);
            case KvmVcpu.EXIT_SYSTEM_EVENT -> handleSystemEvent();
            case KvmVcpu.EXIT_X86_RDMSR, KvmVcpu.EXIT_X86_WRMSR -> vm.msrs().handle(this, run, reason == KvmVcpu.EXIT_X86_WRMSR);
            case KvmVcpu.EXIT_DEBUG -> vm.onDebugExit(this, run);
            case KvmVcpu.EXIT_INTERNAL_ERROR -> vm.onInternalError(this, run);
            case KvmVcpu.EXIT_FAIL_ENTRY -> vm.fail(String.format("vcpu %d: VM entry failed, hardware reason 0x%x",
                    id(), run.get(JAVA_LONG, KvmVcpu.RUN_EXIT)), null);
            case KvmVcpu.EXIT_INTR -> drainRequests();
            default -> vm.fail("vcpu " + id() + ": unhandled KVM exit reason " + reason + " at rip 0x"
                    + Long.toHexString(kvm.getRegs().get(JAVA_LONG, 128)), null);
        }
    }

    /*
     * kvm_run's io and mmio exit records are read a long at a time and the fields taken apart
     * here: a start's first few hundred exits run in the interpreter, where every segment access
     * is ~0.7 us of VarHandle machinery, and compiled code does the same loads either way.
     */

    private void handleIo() {
        long e = KvmVcpu.RUN_EXIT;
        long head = run.get(JAVA_LONG, e);   // u8 direction, u8 size, u16 port, u32 count
        boolean out = (head & 0xff) == 1;
        int size = (int) (head >>> 8) & 0xff;
        int port = (int) (head >>> 16) & 0xffff;
        int count = (int) (head >>> 32);
        long data = run.get(JAVA_LONG, e + 8);
        Bus pio = vm.pio();
        for (int i = 0; i < count; i++) {
            long at = data + (long) i * size;
            if (out) {
                pio.write(port, size, getSized(run, at, size));
            } else {
                putSized(run, at, size, pio.read(port, size));
            }
        }
    }

    private void handleMmio() {
        long e = KvmVcpu.RUN_EXIT;
        long addr = run.get(JAVA_LONG, e);
        long tail = run.get(JAVA_LONG, e + 16);   // u32 len, u8 is_write
        int len = (int) tail;
        boolean write = (tail & 0xff_0000_0000L) != 0;
        if (write) {
            vm.mmio().write(addr, len, getSized(run, e + 8, len));
        } else {
            putSized(run, e + 8, len, vm.mmio().read(addr, len));
        }
    }

    private void handleSystemEvent() {
        int type = run.get(JAVA_INT, KvmVcpu.RUN_EXIT);
        switch (type) {
            case 1 -> vm.requestExit(ExitStatus.POWEROFF, "system event: shutdown");
            case 2 -> vm.requestExit(ExitStatus.REBOOT, "system event: reset");
            default -> vm.fail("vcpu " + id() + ": system event " + type + " (crash)", null);
        }
    }

    static long getSized(MemorySegment s, long off, int size) {
        return switch (size) {
            case 1 -> Byte.toUnsignedLong(s.get(JAVA_BYTE, off));
            case 2 -> Short.toUnsignedLong(s.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, off));
            case 4 -> Integer.toUnsignedLong(s.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, off));
            case 8 -> s.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, off);
            default -> throw new IllegalStateException("access size " + size);
        };
    }

    static void putSized(MemorySegment s, long off, int size, long v) {
        switch (size) {
            case 1 -> s.set(JAVA_BYTE, off, (byte) v);
            case 2 -> s.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, off, (short) v);
            case 4 -> s.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, off, (int) v);
            case 8 -> s.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, off, v);
            default -> throw new IllegalStateException("access size " + size);
        }
    }
}
