#!/usr/bin/env python3
"""jhyve next to QEMU on the same guests, on this machine, in one run.

Runs are interleaved (jhyve, QEMU, jhyve, QEMU, ...) so that load changes hit both alike. For each
metric it prints median, min and max per VMM and the jhyve/QEMU ratio of the medians, and writes
the table to BENCHMARKS.md (between the markers) unless --no-write.

    bench/bench.py            # all metrics, default rounds
    bench/bench.py --quick    # few rounds (CI smoke)
    bench/bench.py startup memory
    bench/bench.py linux      # opt-in: Linux boot to init (minutes per boot on nested KVM)
    make bench / make bench-quick   # the same after make build (quick does not write the table)

Needs a built tree (make build) and /dev/kvm; installs QEMU (Debian package) when it is missing.
"""
import argparse
import os
import platform
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUEST = os.path.join(ROOT, "guests/build/testguest.elf")
JHYVE = os.path.join(ROOT, "bin/jhyve")
JHYVECTL = os.path.join(ROOT, "bin/jhyvectl")


# Per-run VM names: jhyve registers each VM under /run/jhyve/vmm/NAME, and two benches (or a bench
# and a test run) on one machine must not collide.
VM = f"bench{os.getpid()}"


def jhyve_cmd(mode, mem_mib=128, cpus=1, name=VM):
    return [JHYVE, "-c", str(cpus), "-m", f"{mem_mib}M", "-s", "0,hostbridge", "-s", "1,lpc",
            "-l", "com1,stdio", "-o", f"jhyve.kernel={GUEST}", "-o", f"jhyve.cmdline={mode}", name]


def qemu_cmd(mode, mem_mib=128, cpus=1, name=None):
    # Guest RAM on a memfd, as jhyve's, so resident-memory figures compare like with like.
    return ["qemu-system-x86_64", "-accel", "kvm", "-M", "microvm,acpi=on,memory-backend=ram",
            "-object", f"memory-backend-memfd,id=ram,size={mem_mib}M", "-smp", str(cpus), "-m", f"{mem_mib}M",
            "-nographic", "-nodefaults", "-no-reboot", "-serial", "stdio", "-kernel", GUEST, "-append", mode]


VMMS = {"jhyve": jhyve_cmd, "qemu": qemu_cmd}


def timed_boot(cmd, env=None):
    """Runs a guest to its end; returns (start→first byte, last line 'poweroff:' → exit, total) in ms
    and the process's CPU time (user + system, all threads) in ms."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    first = None
    off = None
    buf = b""
    while True:
        chunk = p.stdout.read1(4096)
        if not chunk:
            break
        now = time.monotonic()
        if first is None:
            first = now
        buf += chunk
        if off is None and b"poweroff:" in buf:
            off = now
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)   # reaped here: Popen must not wait again
    end = time.monotonic()
    if b"poweroff:" not in buf or first is None:
        raise RuntimeError(f"{cmd[0]}: guest did not power off: {buf[-200:]!r}")
    return (first - t0) * 1000, (end - off) * 1000, (end - t0) * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def proc_kib(path, *keys):
    """The sum of the "Key:   N kB" lines named keys in a /proc file (status, smaps_rollup)."""
    fields = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return sum(int(fields.get(k, "0 kB").split()[0]) for k in keys)


def rss_kib(pid):
    """Resident memory not backed by shared memory (guest RAM is a memfd in both VMMs)."""
    return proc_kib(f"/proc/{pid}/status", "RssAnon", "RssFile")


def pss_kib(pid):
    """Proportional set size not backed by shared memory: file pages that several processes map
    (the JVM's libjvm.so and AOT cache, QEMU's binary) count once in total, shared among them."""
    return proc_kib(f"/proc/{pid}/smaps_rollup", "Pss_Anon", "Pss_File")


def idle_guest(cmd, settle=1.5):
    """Starts a guest that waits for console input (mode echo) and lets it settle."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    buf = b""
    os.set_blocking(p.stdout.fileno(), False)
    while b"echo: ready" not in buf and time.monotonic() < deadline and p.poll() is None:
        try:
            chunk = p.stdout.read(4096)
        except BlockingIOError:
            chunk = None
        if chunk:
            buf += chunk
        else:
            time.sleep(0.01)
    if b"echo: ready" not in buf:
        stop(p)
        raise RuntimeError(f"{cmd[0]}: guest not ready: {buf[-200:]!r}")
    time.sleep(settle)
    return p


def stop(p):
    p.send_signal(signal.SIGKILL)
    p.wait()
    if p.args[0] == JHYVE:   # a killed jhyve leaves its /run/jhyve/vmm entry behind
        subprocess.run([JHYVECTL, f"--vm={p.args[-1]}", "--destroy"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def jhyve_jvm_opts():
    """bin/jhyve's JVM options (its exec line, up to the AOT cache's), so the floor runs as jhyve does."""
    text = open(JHYVE).read()
    m = re.search(r'^exec "\$java" (.*?) \$aot', text, re.M)
    if not m:
        raise RuntimeError("bench: cannot find the JVM options on bin/jhyve's exec line")
    return m.group(1).split()


def jvm_floor_cmd():
    """bench/floor/JvmFloor.java (JDK 25 start, one FFM downcall linked and called, exit), compiled
    and given an AOT cache trained on itself, run with bin/jhyve's JVM options and on the runtime
    bin/jhyve runs on (target/runtime, built by bin/aot-train, when there is one)."""
    java_home = subprocess.run([os.path.join(ROOT, "bin/find-java25")], capture_output=True, text=True,
                               check=True).stdout.strip()
    out = os.path.join(ROOT, "target", "bench-floor")
    classes, jar, aot = os.path.join(out, "classes"), os.path.join(out, "floor.jar"), os.path.join(out, "floor.aot")
    os.makedirs(classes, exist_ok=True)
    subprocess.run([os.path.join(java_home, "bin/javac"), "-d", classes, os.path.join(FLOOR_SRC, "JvmFloor.java")],
                   check=True)
    # a jar: the AOT cache refuses a class path with a non-empty directory
    subprocess.run([os.path.join(java_home, "bin/jar"), "cf", jar, "-C", classes, "."], check=True)
    runtime = os.path.join(ROOT, "target", "runtime", "bin", "java")
    java = [runtime if os.access(runtime, os.X_OK) else os.path.join(java_home, "bin/java")] + jhyve_jvm_opts()
    if os.path.exists(aot):
        os.remove(aot)
    subprocess.run(java + ["-XX:AOTCacheOutput=" + aot, "-Xlog:aot=off", "-Xlog:cds=off", "-cp", jar, "JvmFloor"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return java + ["-XX:AOTCache=" + aot, "-Xlog:aot=off", "-Xlog:cds=off", "-XX:+UnlockDiagnosticVMOptions",
                   "-XX:-AOTReplayTraining", "-cp", jar, "JvmFloor"]


def guest_run_ms():
    """The trivial guest's own run under jhyve, from its trace marks (-Djhyve.startup.trace=true):
    the first KVM_RUN to the guest's power-off request, in ms. The same guest code runs under QEMU,
    which cannot be asked; jhyve's exit handling is part of it."""
    env = dict(os.environ, JHYVE_JAVA_OPTS="-Djhyve.startup.trace=true")
    p = subprocess.run(jhyve_cmd("poweroff"), stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env)
    marks = dict((m.group(2), float(m.group(1))) for m in
                 re.finditer(r"jhyve startup: ([0-9.]+) ms (first KVM_RUN of vcpu 0|exit: requested)", p.stderr))
    if len(marks) != 2:
        raise RuntimeError(f"jhyve's trace marks are missing (status {p.returncode}): {p.stderr[-300:]!r}")
    return marks["exit: requested"] - marks["first KVM_RUN of vcpu 0"]


TRACEFS = "/sys/kernel/tracing"
TRACE_EVENTS = ("sched/sched_process_exec", "kvm/kvm_userspace_exit")


def to_guest_ms(cmd):
    """Start → the VMM's first return from KVM_RUN, from the kernel's own trace (the exec of the
    command's process and kvm:kvm_userspace_exit): when its guest has begun to run, for either VMM
    alike, without asking it. None where tracefs cannot be written (not root) or has no such events."""
    def put(name, value):
        with open(os.path.join(TRACEFS, name), "w") as f:
            f.write(value)
    def off():
        for e in TRACE_EVENTS:
            try:
                put(f"events/{e}/enable", "0")
            except OSError:
                pass
    try:
        with open(os.path.join(TRACEFS, "tracing_on")) as f:
            was_on = f.read().strip()
        put("tracing_on", "0")
        put("trace", "")
        for e in TRACE_EVENTS:
            put(f"events/{e}/enable", "1")
    except OSError:
        off()
        return None
    try:
        put("tracing_on", "1")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p.wait()
        put("tracing_on", "0")
        with open(os.path.join(TRACEFS, "trace")) as f:
            text = f.read()
    finally:
        off()
        put("trace", "")
        put("tracing_on", was_on)
    # "<comm>-<tid> [cpu] flags <seconds>: <event>: ..."; the command's process keeps its pid
    # through the exec of bin/jhyve's JVM, and its vCPU threads are other tids: the first exec of
    # pid p.pid starts the clock and the first userspace exit after it stops it.
    start = first = None
    for m in re.finditer(r"-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]\s+\S+\s+([\d.]+): (sched_process_exec|kvm_userspace_exit):", text):
        tid, t, event = int(m.group(1)), float(m.group(2)), m.group(3)
        if event == "sched_process_exec" and tid == p.pid and start is None:
            start = t
        elif event == "kvm_userspace_exit" and start is not None:
            first = t
            break
    return (first - start) * 1000 if start is not None and first is not None else None


def m_startup(rounds):
    out = {k: {"first": [], "off": [], "total": []} for k in VMMS}
    floor_cmd, floor, hello, guest = jvm_floor_cmd(), [], [], []
    to_guest = {k: [] for k in VMMS}
    for cmd in VMMS.values():   # the first traced run after the events are enabled reads long: not counted
        to_guest_ms(cmd("poweroff"))
    for _ in range(rounds):
        for name, cmd in VMMS.items():
            first, off, total, _ = timed_boot(cmd("poweroff"))
            out[name]["first"].append(first)
            out[name]["off"].append(off)
            out[name]["total"].append(total)
        floor.append(timed_boot(floor_cmd)[2])
        hello.append(timed_boot(floor_cmd + ["hello"])[2])
        guest.append(guest_run_ms())
        for name, cmd in VMMS.items():   # traced runs of their own: the timed ones stay untraced
            ms = to_guest_ms(cmd("poweroff"))
            if ms is not None:
                to_guest[name].append(ms)
    f, h, g = statistics.median(floor), statistics.median(hello), statistics.median(guest)
    if to_guest["jhyve"] and to_guest["qemu"]:
        tj, tq = statistics.median(to_guest["jhyve"]), statistics.median(to_guest["qemu"])
        tg = (f"; the kernel's trace puts each VMM's first exit from its guest (start → first return from "
              f"KVM_RUN) at {tj:.0f} ms for jhyve and {tq:.0f} ms for QEMU"
              + (", whose guest is running before the JVM floor ends" if tq < f else ""))
    else:
        tg = "; each VMM's start → first exit from its guest not measured (needs a writable /sys/kernel/tracing)"
    return [
        ("start-to-exit, trivial guest (ms)",
         f"lower is better; JVM floor {f:.0f} ms (JDK 25 start, one FFM downcall linked, exit: no VM), "
         f"JVM hello world {h:.0f} ms, jhyve/floor {statistics.median(out['jhyve']['total']) / f:.2f}; "
         f"the guest's own run under jhyve (first KVM_RUN → power-off request, its trace marks) {g:.0f} ms, "
         f"so floor + guest run = {f + g:.0f} ms against QEMU's whole {statistics.median(out['qemu']['total']):.0f}"
         + tg,
         out["jhyve"]["total"], out["qemu"]["total"]),
        ("start → first guest output (ms)", "lower is better", out["jhyve"]["first"], out["qemu"]["first"]),
        ("guest power-off → process exit (ms)", "lower is better", out["jhyve"]["off"], out["qemu"]["off"]),
    ]


def m_memory(rounds):
    res = {k: [] for k in VMMS}
    for _ in range(max(1, rounds // 3)):
        for name, cmd in VMMS.items():
            p = idle_guest(cmd("echo"))
            res[name].append(rss_kib(p.pid) / 1024)
            stop(p)
    return [("VMM resident memory beyond guest RAM, 1 vCPU/128 MiB idle guest (MiB)", "lower is better",
             res["jhyve"], res["qemu"])]


def m_density(rounds, window=10.0, cap=12):
    """How many idle guests start (reach 'echo: ready') within the window; RSS per guest."""
    rows = []
    counts, per, pss, started = {}, {}, {}, {}
    for name, cmd in VMMS.items():
        procs = []
        t0 = time.monotonic()
        try:
            while time.monotonic() - t0 < window and len(procs) < cap:
                procs.append(idle_guest(cmd("echo", mem_mib=64, name=f"{VM}-{len(procs)}"), settle=0))
            counts[name] = [len(procs) / (time.monotonic() - t0)]
            per[name] = [statistics.mean(rss_kib(p.pid) for p in procs) / 1024]
            pss[name] = statistics.mean(pss_kib(p.pid) for p in procs) / 1024
            started[name] = len(procs)
        finally:
            for p in procs:
                stop(p)
    rows.append((f"density: idle 64 MiB guests started per second (cap {cap})", "higher is better",
                 counts["jhyve"], counts["qemu"]))
    rows.append(("density: resident memory per idle guest beyond RAM (MiB)",
                 f"lower is better; proportional (PSS, shared files split among the {started['jhyve']} and "
                 f"{started['qemu']} running): {pss['jhyve']:.1f} vs {pss['qemu']:.1f} MiB",
                 per["jhyve"], per["qemu"]))
    return rows


FLOOR = os.path.join(ROOT, "bench/floor/build")
FLOOR_SRC = os.path.join(ROOT, "bench/floor")


# The pinned rows' placement: the vCPU alone on one core, everything else (the VMM's other
# threads, the host peer, a network floor program) on the other; the exit floor's loop runs on the vCPU's core.
PIN_VCPU, PIN_REST = 0, 1


def run_ms(cmd, pin=False):
    """Wall time of one exit-loop run. pin: the VMM's vCPU thread on PIN_VCPU, the rest of it on
    PIN_REST (the command must already run under taskset on PIN_REST)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pinned = threading.Event()
    if pin:
        threading.Thread(target=pin_vcpu, args=(p.pid, pinned), daemon=True).start()
    rc = p.wait()
    ms = (time.monotonic() - t0) * 1000
    pinned.set()
    if JHYVE in cmd:
        # pc-testdev ends jhyve at once, without removing its /run/jhyve/vmm entry
        subprocess.run([JHYVECTL, f"--vm={VM}", "--destroy"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if rc != 1:  # pc-testdev / isa-debug-exit with value 0 ends both VMMs with status 1
        raise RuntimeError(f"{cmd[0]} ended with status {rc}")
    return ms


def m_exits(rounds):
    """Exit round trip: the same tiny PVH guest (bench/floor/exitloop.S) does N port writes or MMIO
    reads. The row is the steady state, as the floor's: (time of a run with LONG exits minus a run
    with WARM exits) / (LONG - WARM), so neither start-up nor the JIT's warm-up over the first WARM
    exits is in it; the note gives the first WARM exits (a run with WARM minus a run with 0) too.
    The raw floor is bench/floor/kvmfloor.c, a minimal C KVM loop over the same instructions.
    Pinned, as netpin: the vCPU thread (and the floor's loop) alone on PIN_VCPU, everything else on
    PIN_REST; unpinned, where the JIT, the VMM's other threads and the vCPU land moved a ratio by
    ±0.1 between runs."""
    warm, long = (100000, 300000) if rounds <= 3 else (200000, 600000)
    elfs = [f"build/{k}-{n}.elf" for k in ("pio", "mmio") for n in (0, warm, long)]
    subprocess.run(["make", "-s", "-C", FLOOR_SRC, "build/kvmfloor", *elfs], check=True)
    if not {PIN_VCPU, PIN_REST} <= os.sched_getaffinity(0):
        raise RuntimeError(f"exits needs cpus {PIN_VCPU} and {PIN_REST}")
    rest = ["taskset", "-c", str(PIN_REST)]
    jh = lambda elf: rest + [JHYVE, "-m", "16M", "-s", "0,hostbridge", "-s", "1,lpc", "-l", "pc-testdev",
                             "-o", f"jhyve.kernel={elf}", VM]
    qm = lambda elf: rest + ["qemu-system-x86_64", "-accel", "kvm", "-M", "microvm", "-m", "16", "-nographic",
                             "-nodefaults", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                             "-kernel", elf]
    rows = []
    for kind in ("pio", "mmio"):
        elf = lambda n: os.path.join(FLOOR, f"{kind}-{n}.elf")
        res = {"jhyve": [], "qemu": [], "floor": []}
        first = {"jhyve": [], "qemu": []}
        ratio = {"jhyve": [], "qemu": []}   # to the floor of the same round: the machine's drift cancels
        for _ in range(max(2, rounds // 2)):
            out = subprocess.run(["taskset", "-c", str(PIN_VCPU), os.path.join(FLOOR, "kvmfloor"), kind, str(long)],
                                 capture_output=True, text=True, check=True).stdout
            res["floor"].append(float(re.search(r"ns_per_exit=(\d+)", out).group(1)) / 1000)
            for name, mk in (("jhyve", jh), ("qemu", qm)):
                t = {n: run_ms(mk(elf(n)), pin=True) for n in (0, warm, long)}
                res[name].append((t[long] - t[warm]) * 1000 / (long - warm))
                first[name].append((t[warm] - t[0]) * 1000 / warm)
                ratio[name].append(res[name][-1] / res["floor"][-1])
        med = statistics.median
        label = "port-I/O" if kind == "pio" else "MMIO"
        rows.append((f"{label} exit round trip from a guest loop, pinned, steady state (µs)",
                     f"lower is better; exits {warm // 1000}k-{long // 1000}k of the loop; raw KVM floor "
                     f"{med(res['floor']):.2f} µs; to the floor of the same round: jhyve {med(ratio['jhyve']):.2f} "
                     f"({min(ratio['jhyve']):.2f}-{max(ratio['jhyve']):.2f}), QEMU {med(ratio['qemu']):.2f} "
                     f"({min(ratio['qemu']):.2f}-{max(ratio['qemu']):.2f}); the first {warm // 1000}k exits "
                     f"(JIT warm-up included): {med(first['jhyve']):.2f} vs {med(first['qemu']):.2f} µs",
                     res["jhyve"], res["qemu"]))
    return rows



BLK_LINE = re.compile(r"^blk-bench: (\S+) qd=(\d+) bs=(\d+) ops=\d+ bytes=\d+ us=\d+ mb_s=([\d.]+) iops=([\d.]+) "
                      r"avg_lat_us=\d+ warm_ops=(\d+) warm_us=(\d+)", re.M)


def m_blk(rounds, mib=64):
    """virtio-blk from the same guest (blk-bench, modern transport, polled) on a raw file each.

    Both back ends buffered by default (jhyve without nocache, QEMU cache=writeback,aio=threads);
    JHYVE_BENCH_BLK=direct switches both to O_DIRECT (jhyve nocache, QEMU cache=none). QEMU runs
    microvm with pcie=on and -device virtio-blk-pci (queue 256; jhyve's is bhyve's 64): the guest
    uses indirect descriptors, so both run at queue depth 32. Each test first runs warm ms
    unmeasured, as the net rows do (a JIT-compiled VMM reaches its steady state: a queue depth's
    first test runs code the other depth did not); the note gives that warm-up's own rate."""
    ms, warm = (500, 200) if rounds <= 3 else (2000, 1000)
    direct = os.environ.get("JHYVE_BENCH_BLK", "buffered") == "direct"
    tmp = os.path.join(ROOT, "target", "bench-blk")
    os.makedirs(tmp, exist_ok=True)
    disks = {}
    for name in VMMS:
        disks[name] = os.path.join(tmp, f"{name}.img")
        with open(disks[name], "wb") as f:
            os.posix_fallocate(f.fileno(), 0, 2 * mib << 20)
    mode = f"blk-bench ms={ms} warmup={warm} mib={mib}"

    def jhyve(disk):
        c = jhyve_cmd(mode)
        return c[:-1] + ["-s", f"3,virtio-blk,{disk}" + (",nocache" if direct else "")] + c[-1:]

    def qemu(disk):
        c = qemu_cmd(mode)
        c[c.index("-M") + 1] = "microvm,acpi=on,pcie=on,memory-backend=ram"
        cache = "none" if direct else "writeback"
        return c + ["-drive", f"file={disk},if=none,id=d0,format=raw,cache={cache},aio=threads",
                    "-device", "virtio-blk-pci,drive=d0"]

    cmds = {"jhyve": jhyve, "qemu": qemu}
    res, first = {}, {}
    for _ in range(max(2, rounds // 3)):
        for name in VMMS:
            out = subprocess.run(cmds[name](disks[name]), stdin=subprocess.DEVNULL, capture_output=True,
                                 timeout=120).stdout.decode(errors="replace")
            if "blk-bench: done" not in out:
                raise RuntimeError(f"{name}: blk-bench did not finish: {out[-400:]!r}")
            for test, qd, bs, mbs, iops, warm_ops, warm_us in BLK_LINE.findall(out):
                value = float(mbs) if test.startswith("seq") else float(iops)
                res.setdefault((test, int(qd)), {}).setdefault(name, []).append(value)
                # the warm-up's rate in the row's unit: MB/s (bytes per µs) or IOPS
                w = int(warm_ops) * (int(bs) if test.startswith("seq") else 1e6) / max(1, int(warm_us))
                first.setdefault((test, int(qd)), {}).setdefault(name, []).append(w)
    for name in VMMS:
        os.remove(disks[name])
    kind = "O_DIRECT" if direct else "buffered"
    rows = []
    for (test, qd), by in sorted(res.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if set(by) != set(VMMS):
            raise RuntimeError(f"blk-bench {test} qd={qd} ran on {sorted(by)} only (queue depths differ)")
        unit = "MB/s, 128 KiB requests" if test.startswith("seq") else "IOPS, 4 KiB"
        fj, fq = (statistics.median(first[(test, qd)][v]) for v in ("jhyve", "qemu"))
        rows.append((f"virtio-blk {test} QD{qd} ({unit}, {kind} raw file, {ms / 1000:g} s after {warm / 1000:g} s)",
                     f"higher is better; the {warm / 1000:g} s of warm-up before (JIT warm-up included): "
                     f"{fj:.0f} vs {fq:.0f}, " + (f"{fj / fq:.2f}" if fq else "n/a"), by["jhyve"], by["qemu"]))
    return rows



# ---- net: throughput through a tap, jhyve vs QEMU, virtio-net and e1000 ----
NET_PEER_SRC = os.path.join(ROOT, "bench/net/udppeer.c")
NET_PEER = os.path.join(ROOT, "bench/net/build/udppeer")
# The host->guest flood's rate: above what either VMM receives here (QEMU 180-200 kpps), so the
# row measures the receiving VMM, while the sender keeps to a bounded share of the 2 cores (unpaced
# it reaches ~290 kpps and takes a core of its own).
NET_FLOOD_PPS = int(os.environ.get("BENCH_NET_FLOOD_PPS", "250000"))


NET_C_HEADER = os.path.join(ROOT, "bench/net/netbench.h")


def net_c(binary, source):
    """A bench/net C program, built when missing or older than its source or netbench.h."""
    newest = max(os.path.getmtime(source), os.path.getmtime(NET_C_HEADER))
    if not os.path.exists(binary) or os.path.getmtime(binary) < newest:
        os.makedirs(os.path.dirname(binary), exist_ok=True)
        subprocess.run(["cc", "-O2", "-Wall", "-pthread", "-o", binary, source], check=True)
    return binary


def net_peer():
    """bench/net/udppeer.c: counts what reaches 10.0.0.1:9, floods 10.0.0.2:9 on request."""
    return net_c(NET_PEER, NET_PEER_SRC)


NET_NS, NET_TAP, NET_MAC = f"jhyvebench{os.getpid()}", "tapb0", "58:9c:fc:00:00:09"


def net_setup():
    run = lambda *c: subprocess.run(["ip", "netns", "exec", NET_NS, *c], check=True)
    subprocess.run(["ip", "netns", "add", NET_NS], check=True)
    run("ip", "link", "set", "lo", "up")
    run("ip", "link", "add", "br0", "type", "bridge")
    run("ip", "addr", "add", "10.0.0.1/24", "dev", "br0")
    run("ip", "link", "set", "br0", "up")
    run("ip", "tuntap", "add", NET_TAP, "mode", "tap", "vnet_hdr")
    run("ip", "link", "set", NET_TAP, "master", "br0")
    run("ip", "link", "set", NET_TAP, "up")   # QEMU with script=no does not bring it up


def net_vmm_cmd(vmm, nic, mode, pin=False):
    if vmm == "jhyve":
        dev = ["-s", f"3,{nic},{NET_TAP},mac={NET_MAC}"]
        c = jhyve_cmd(mode)
        return c[:-1] + dev + c[-1:]
    model = {"virtio-net": "virtio-net-pci", "e1000": "e1000-82545em"}[nic]
    names = ["-name", "bench,debug-threads=on"] if pin else []   # "CPU 0/KVM", for pin_vcpu
    return ["qemu-system-x86_64", *names, "-accel", "kvm", "-M", "microvm,acpi=on,pcie=on", "-smp", "1", "-m", "128M",
            "-nographic", "-nodefaults", "-no-reboot", "-serial", "stdio", "-kernel", GUEST, "-append", mode,
            "-netdev", f"tap,id=n0,ifname={NET_TAP},script=no,downscript=no,vhost=off",
            "-device", f"{model},netdev=n0,mac={NET_MAC}"]


def in_ns(cmd, pin=False):
    return ["ip", "netns", "exec", NET_NS] + (["taskset", "-c", str(PIN_REST)] if pin else []) + cmd


def pin_vcpu(pid, stop):
    """Moves the VMM's vCPU thread ("vcpu 0" in jhyve, "CPU 0/KVM" in QEMU) to PIN_VCPU once it exists."""
    while not stop.is_set():
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    if f.read().strip() in ("vcpu 0", "CPU 0/KVM"):
                        os.sched_setaffinity(int(tid), {PIN_VCPU})
                        return
        except (FileNotFoundError, ProcessLookupError):
            pass
        time.sleep(0.01)


def net_run(vmm, nic, ms, size, warm, pin=False):
    """One guest run of net-bench after warm ms of unmeasured traffic each way: (guest->host pps
    delivered to the host socket, host->guest pps received by the guest). pin: the vCPU on
    PIN_VCPU, the VMM's other threads and the host peer on PIN_REST."""
    peer = subprocess.Popen(in_ns([net_peer()], pin), text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    ask = lambda cmd: (peer.stdin.write(cmd + "\n"), peer.stdin.flush(), int(peer.stdout.readline()))[2]
    try:
        if peer.stdout.readline().strip() != "ready":
            raise RuntimeError("net: the host peer did not start")
        mode = f"net-bench nic={nic} ip=10.0.0.2 peer=10.0.0.1 ms={ms} size={size} warmup={warm}"
        cmd = in_ns(net_vmm_cmd(vmm, nic, mode, pin), pin)
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        timer = threading.Timer(60 + 3 * ms / 1000, p.kill)
        timer.start()
        pinned = threading.Event()
        if pin:   # ip netns exec and taskset exec the VMM: p.pid is its pid
            threading.Thread(target=pin_vcpu, args=(p.pid, pinned), daemon=True).start()
        lines, before, tx_us, tx_pps, warm_tx, rx_pps = [], 0, None, None, 0, None
        try:
            for line in p.stdout:
                line = line.strip()
                lines.append(line)
                if line == "net-bench: rx ready" or line.startswith("net-bench: peer mac="):
                    time.sleep(0.05)   # frames still in flight reach the socket
                    if line.startswith("net-bench: peer"):
                        before = ask("count")
                    else:
                        got = ask("count") - before
                        flooded = ask(f"flood {warm + ms + 500} {size} {NET_FLOOD_PPS}")
                m = re.match(r"net-bench: warmup tx packets=(\d+) ", line)
                if m:
                    warm_tx = int(m.group(1))
                m = re.match(r"net-bench: tx packets=(\d+) .* us=(\d+) ", line)
                if m:
                    tx_pps, tx_us = int(m.group(1)) / (int(m.group(2)) / 1e6), int(m.group(2))
                m = re.match(r"net-bench: rx packets=(\d+) ", line)
                if m:   # per second of the guest's window: a receiver that stalls early scores low
                    rx_pps = int(m.group(1)) / (ms / 1000)
            p.wait()
        finally:
            timer.cancel()
            pinned.set()
        if tx_us is None or rx_pps is None:
            raise RuntimeError(f"net: {vmm} {nic}: no net-bench figures:\n" + "\n".join(lines[-15:]))
        if os.environ.get("BENCH_NET_VERBOSE"):
            print("\n".join(l for l in lines if l.startswith("net-bench")), file=sys.stderr)
            print(f"host peer: {got} packets received, {flooded} sent in {warm + ms + 500} ms", file=sys.stderr)
        # the guest's send rate in its window, times the share of all its packets that reached the socket
        sent_all = warm_tx + tx_pps * tx_us / 1e6
        return tx_pps * min(1.0, got / sent_all), rx_pps
    finally:
        peer.kill()
        peer.wait()


def m_net(rounds, ms=2000, size=1472, warm=1000):
    """UDP through a tap on a bridge in a private network namespace; 1472-byte payloads."""
    net_setup()
    try:
        res = {(v, n): ([], []) for n in ("virtio-net", "e1000") for v in VMMS}
        for _ in range(max(1, rounds // 3)):
            for n in ("virtio-net", "e1000"):
                for v in VMMS:
                    tx, rx = net_run(v, n, ms, size, warm)
                    res[(v, n)][0].append(tx / 1000)
                    res[(v, n)][1].append(rx / 1000)
        rows = []
        for n in ("virtio-net", "e1000"):
            rows.append((f"net {n} guest→host, 1472-byte UDP delivered to a host socket (kpps)", "higher is better",
                         res[("jhyve", n)][0], res[("qemu", n)][0]))
            rows.append((f"net {n} host→guest, 1472-byte UDP received by the guest (kpps)",
                         f"higher is better; the host offers {NET_FLOOD_PPS / 1000:g} kpps",
                         res[("jhyve", n)][1], res[("qemu", n)][1]))
        return rows
    finally:
        subprocess.run(["ip", "netns", "del", NET_NS])


# ---- netpin: virtio-net with the placement fixed, next to one core's floor ----
NET_FLOOR_SRC = os.path.join(ROOT, "bench/net/tapfloor.c")
NET_FLOOR = os.path.join(ROOT, "bench/net/build/tapfloor")


def net_floors():
    """{"C": cmd, "FFM": cmd}: bench/net/tapfloor.c, and bench/net/TapFloor.java run as bin/jhyve
    runs (its JVM options, its runtime); each takes TAP SECONDS FRAMEFILE."""
    net_c(NET_FLOOR, NET_FLOOR_SRC)
    java_home = subprocess.run([os.path.join(ROOT, "bin/find-java25")], capture_output=True, text=True,
                               check=True).stdout.strip()
    classes = os.path.join(ROOT, "target", "bench-floor", "net-classes")
    os.makedirs(classes, exist_ok=True)
    subprocess.run([os.path.join(java_home, "bin/javac"), "-d", classes, os.path.join(ROOT, "bench/net/TapFloor.java")],
                   check=True)
    runtime = os.path.join(ROOT, "target", "runtime", "bin", "java")
    java = [runtime if os.access(runtime, os.X_OK) else os.path.join(java_home, "bin/java")] + jhyve_jvm_opts()
    return {"C": [NET_FLOOR], "FFM": java + ["-cp", classes, "TapFloor"]}


def net_frame():
    """The frame a floor sends: the guest's (MAC NET_MAC, 10.0.0.2:5001 -> 10.0.0.1:9, 1472 bytes
    of payload) to br0, behind a zero virtio_net_hdr; written to bench/net/build/frame.bin."""
    br = subprocess.run(in_ns(["cat", "/sys/class/net/br0/address"]), capture_output=True, text=True,
                        check=True).stdout.strip()
    payload = bytes(i & 0xFF for i in range(1472))
    udp = struct.pack("!HHHH", 5001, 9, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, bytes([10, 0, 0, 2]),
                     bytes([10, 0, 0, 1]))
    csum = sum(struct.unpack("!10H", ip))
    csum = (csum & 0xFFFF) + (csum >> 16)
    csum = (csum & 0xFFFF) + (csum >> 16)
    ip = ip[:10] + struct.pack("!H", ~csum & 0xFFFF) + ip[12:]
    path = os.path.join(os.path.dirname(NET_FLOOR), "frame.bin")
    with open(path, "wb") as f:
        f.write(bytes(12) + bytes.fromhex(br.replace(":", "")) + bytes.fromhex(NET_MAC.replace(":", ""))
                + b"\x08\x00" + ip + udp)
    return path


def net_floor_run(cmd, frame, secs=2.0):
    """One floor run on PIN_REST beside the host peer: frames per second that reached the peer's socket."""
    peer = subprocess.Popen(in_ns([net_peer()], True), text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    ask = lambda c: (peer.stdin.write(c + "\n"), peer.stdin.flush(), int(peer.stdout.readline()))[2]
    try:
        if peer.stdout.readline().strip() != "ready":
            raise RuntimeError("netpin: the host peer did not start")
        p = subprocess.Popen(in_ns(cmd + [NET_TAP, str(secs), frame], True), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, text=True)
        timer = threading.Timer(60, p.kill)
        timer.start()
        try:
            before, result = None, None
            for line in p.stdout:
                if line.strip() == "counting":
                    before = ask("count")
                elif line.startswith("frames="):
                    result = {k: float(v) for k, v in (kv.split("=") for kv in line.split())}
            p.wait()
        finally:
            timer.cancel()
        if result is None or before is None or p.returncode != 0:
            raise RuntimeError(f"netpin: floor {cmd[0]} failed (status {p.returncode})")
        time.sleep(0.05)   # frames still in flight reach the socket
        return (ask("count") - before) / (result["us"] / 1e6)
    finally:
        peer.kill()
        peer.wait()


def m_netpin(rounds, ms=2000, size=1472, warm=1000):
    """virtio-net as in the net rows, but pinned: the vCPU alone on one core, the VMM's other
    threads and the host peer on the other, so that the scheduler's placement (which decides much
    of the unpinned rows' spread) is out of the figure. Beside guest->host, one core's floor with
    no guest at all: the same tap writes from C and from JDK 25's FFM. Receive has no such floor:
    a reader that sleeps whenever the tap is empty is woken once per frame or two, and measures
    the scheduler (here a C poll/readv loop read fewer frames than QEMU, whose longer work per
    wake-up lets frames gather)."""
    if not {PIN_VCPU, PIN_REST} <= os.sched_getaffinity(0):
        raise RuntimeError(f"netpin needs cpus {PIN_VCPU} and {PIN_REST}")
    net_setup()
    try:
        floors, frame = net_floors(), net_frame()
        res = {v: ([], []) for v in VMMS}
        fl = {f: [] for f in floors}
        for _ in range(max(1, rounds // 3)):
            for v in VMMS:
                tx, rx = net_run(v, "virtio-net", ms, size, warm, pin=True)
                res[v][0].append(tx / 1000)
                res[v][1].append(rx / 1000)
            for f, cmd in floors.items():
                fl[f].append(net_floor_run(cmd, frame) / 1000)
        c, ffm = statistics.median(fl["C"]), statistics.median(fl["FFM"])
        where = "vCPU alone on one core; the VMM's other threads and the host peer on the other"
        return [(f"net virtio-net guest→host, pinned: {where} (kpps)",
                 f"higher is better; one core, no guest, one writev per frame (what a VMM making a system call "
                 f"per frame can reach): C {c:.0f} kpps, JDK 25 FFM {ffm:.0f} kpps (FFM/C {ffm / c:.2f}); "
                 f"jhyve/that FFM loop {statistics.median(res['jhyve'][0]) / ffm:.2f} (jhyve batches through io_uring)",
                 res["jhyve"][0], res["qemu"][0]),
                (f"net virtio-net host→guest, pinned: {where} (kpps)",
                 f"higher is better; the host offers {NET_FLOOD_PPS / 1000:g} kpps", res["jhyve"][1], res["qemu"][1])]
    finally:
        subprocess.run(["ip", "netns", "del", NET_NS])


LINUX_CACHE = os.path.expanduser("~/.cache/jhyve/linux")
# The Linux test group's guest options for hosts that emulate guest kernel mode (docs/linux-boot.md);
# real hosts need none, and they do not slow a real host's boot.
LINUX_CMDLINE = ("console=ttyS0 clearcpuid=137,147,148,308 cryptomgr.notests i8042.noaux mitigations=off"
                 " initcall_blacklist=ftrace_check_for_weak_functions,tracer_init_tracefs rdinit=/init")
LINUX_MARK = "jhyve-bench: init"


def linux_kernel():
    """Debian's cloud kernel (bzImage), downloaded and unpacked once into the test group's cache."""
    tree = os.path.join(LINUX_CACHE, "x")
    if not os.path.isdir(os.path.join(tree, "boot")):
        os.makedirs(LINUX_CACHE, exist_ok=True)
        deps = subprocess.run(["apt-cache", "depends", "linux-image-cloud-amd64"], capture_output=True, text=True,
                              check=True).stdout
        pkg = next(l.split()[1] for l in deps.splitlines() if l.strip().startswith("Depends: linux-image-"))
        subprocess.run(["apt-get", "download", pkg], cwd=LINUX_CACHE, check=True, stdout=subprocess.DEVNULL)
        deb = next(f for f in os.listdir(LINUX_CACHE) if f.startswith(pkg + "_"))
        subprocess.run(["dpkg-deb", "-x", os.path.join(LINUX_CACHE, deb), tree], check=True)
    boot = os.path.join(tree, "boot")
    return os.path.join(boot, next(f for f in sorted(os.listdir(boot)) if f.startswith("vmlinuz-")))


def cpio_newc(entries):
    """A cpio 'newc' archive (what the kernel unpacks as an initramfs) from (name, mode, data[, rdev])."""
    out = bytearray()
    for ino, (name, mode, data, *rdev) in enumerate(entries + [("TRAILER!!!", 0, b"")], start=1):
        major, minor = rdev[0] if rdev else (0, 0)
        nm = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08x}" for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(nm), 0))
        out += hdr.encode() + nm
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def linux_initramfs(path):
    """busybox-static and an /init that prints the mark and powers off: boot to init, then exit."""
    init = f"#!/bin/busybox sh\n/bin/busybox echo '{LINUX_MARK}'\n/bin/busybox poweroff -f\n".encode()
    with open("/bin/busybox", "rb") as f:
        busybox = f.read()
    with open(path, "wb") as f:
        f.write(cpio_newc([("bin", 0o40755, b""), ("dev", 0o40755, b""), ("dev/console", 0o20600, b"", (5, 1)),
                           ("bin/busybox", 0o100755, busybox),
                           ("init", 0o100755, init)]))
    return path


def linux_boot(cmd, limit_s):
    """Runs until the init mark (then waits for the exit) or the limit; returns (s to mark or None, last line)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    state = {"mark": None, "last": ""}

    def read():
        for raw in p.stdout:
            line = raw.decode("latin-1").strip()
            if line and state.get("dead") is None:
                state["last"] = line
            if LINUX_MARK in line and state["mark"] is None and "echo" not in line:
                state["mark"] = time.monotonic() - t0
            # A VMM that stopped its guest (QEMU pauses on a KVM internal error and stays up) or
            # a kernel that panicked will not reach init: end the run, keep the line that says why.
            if state["mark"] is None and state.get("dead") is None and DEAD.search(line):
                state["dead"] = state["last"] = line
                stop(p)
    t = threading.Thread(target=read, daemon=True)
    t.start()
    try:
        p.wait(timeout=limit_s)
    except subprocess.TimeoutExpired:
        stop(p)
    t.join(5)
    return state["mark"], state["last"]


DEAD = re.compile(r"KVM internal error|Kernel panic - not syncing")


def m_linux(rounds, limit_s=3600):
    """Linux boot to init, opt-in (`bench/bench.py linux`): minutes per boot on hosts that emulate
    guest kernel mode. Same bzImage, initramfs and command line; jhyve loads it with -o jhyve.kernel,
    QEMU with -M microvm -kernel. A VMM that never reaches init is reported with its last line."""
    kernel = linux_kernel()
    initrd = linux_initramfs(os.path.join(ROOT, "target", "bench-initramfs.cpio"))
    jh = [JHYVE, "-c", "2", "-m", "512M", "-s", "0,hostbridge", "-s", "1,lpc", "-l", "com1,stdio",
          "-o", f"jhyve.kernel={kernel}", "-o", f"jhyve.initrd={initrd}", "-o", f"jhyve.cmdline={LINUX_CMDLINE}",
          # the Linux group's mask: KVM's hypercall-based features hang where kernel mode is emulated
          "-o", "jhyve.cpuid.clear=0x40000001:eax:0x2880", VM + "-linux"]
    qe = ["qemu-system-x86_64", "-M", "microvm", "-enable-kvm", "-cpu", "qemu64,-cx16,-xsave", "-smp", "2",
          "-m", "512M", "-kernel", kernel, "-initrd", initrd, "-append", LINUX_CMDLINE, "-nodefaults",
          "-no-user-config", "-nographic", "-serial", "stdio", "-no-reboot"]
    res = {"jhyve": [], "qemu": []}
    notes = {}
    for _ in range(max(1, rounds)):
        for name, cmd in (("jhyve", jh), ("qemu", qe)):
            mark, last = linux_boot(cmd, limit_s)
            if mark is not None:
                res[name].append(mark)
            else:
                notes[name] = f"{name} did not reach init; last line: {last[:120]}"
            print(f"linux: {name}: {'init after %.1f s' % mark if mark is not None else notes[name]}", file=sys.stderr)
    return [("Linux boot to init (s), Debian cloud kernel, 2 vCPUs", "lower is better; "
             + ("; ".join(notes.values()) if notes else "both reached init"), res["jhyve"], res["qemu"])]


METRICS = {"startup": m_startup, "exits": m_exits, "memory": m_memory, "density": m_density, "blk": m_blk,
           "net": m_net, "netpin": m_netpin}
# Opt-in: named on the command line only (minutes per boot here).
OPT_IN = {"linux": m_linux}


def fmt(v):
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def table(rows, rounds):
    lines = ["| metric | jhyve median (min–max) | QEMU median (min–max) | jhyve/QEMU | meaning |",
             "|---|---|---|---|---|"]
    cell = lambda v: f"{fmt(statistics.median(v))} ({fmt(min(v))}–{fmt(max(v))})" if v else "did not finish"
    for name, meaning, j, q in rows:
        ratio = f"{statistics.median(j) / statistics.median(q):.2f}" if j and q and statistics.median(q) else "n/a"
        lines.append(f"| {name} | {cell(j)} | {cell(q)} | {ratio} | {meaning} |")
    return "\n".join(lines)


def machine():
    cpu = "unknown cpu"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cpus ({cpu}), {platform.release()}, {qemu}, "
            f"load average {load:.1f} at start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("metrics", nargs="*", default=list(METRICS))
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--opt-in-rounds", type=int, default=1, help="rounds of the opt-in metrics (linux); default 1")
    a = ap.parse_args()
    rounds = 3 if a.quick else a.rounds
    if not os.path.exists(GUEST) or not os.path.exists(os.path.join(ROOT, "target/jhyve.jar")):
        sys.exit("build first: make build")
    if not shutil.which("qemu-system-x86_64"):
        subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86",
                       shell=True, check=True, stdout=subprocess.DEVNULL)
    rows = []
    try:
        for m in a.metrics:
            if m in OPT_IN:
                rows += OPT_IN[m](a.opt_in_rounds)
                continue
            if m not in METRICS:
                sys.exit(f"unknown metric {m}; known: {', '.join(METRICS)}, and opt-in {', '.join(OPT_IN)}")
            rows += METRICS[m](rounds)
    finally:
        # as bhyve's, a VM stays registered after it ends until destroyed: leave none behind
        vmm = "/run/jhyve/vmm"
        for n in (os.listdir(vmm) if os.path.isdir(vmm) else []):
            if n == VM or n.startswith(VM + "-"):
                subprocess.run([JHYVECTL, f"--vm={n}", "--destroy"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text = table(rows, rounds)
    head = f"Run {time.strftime('%Y-%m-%d %H:%M')} UTC, {rounds} interleaved rounds; machine: {machine()}"
    print(head)
    print(text)
    if not a.no_write:
        path = os.path.join(ROOT, "BENCHMARKS.md")
        body = open(path).read()
        block = f"<!-- bench:begin -->\n{head}\n\n{text}\n<!-- bench:end -->"
        body = re.sub(r"<!-- bench:begin -->.*<!-- bench:end -->", lambda _: block, body, flags=re.S)
        open(path, "w").write(body)


if __name__ == "__main__":
    main()
