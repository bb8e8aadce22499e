package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jhyve.mgmt.argv.ConversionOptions;
import org.jhyve.mgmt.argv.DomainToArgv;
import org.jhyve.mgmt.argv.NativeCommands;
import org.jhyve.mgmt.xml.Devices;
import org.jhyve.mgmt.xml.Domain;
import org.jhyve.mgmt.xml.DomainXmlException;
import org.jhyve.mgmt.xml.DomainXmlParser;
import org.jhyve.mgmt.xml.DomainXmlWriter;
import org.jhyve.mgmt.xml.Graphics;
import org.jhyve.mgmt.xml.NetInterface;

/**
 * The domains of one host: persistent definitions, the running jhyve processes, and what happens
 * when one ends (libvirt's bhyve driver semantics). Every method that changes state holds the
 * daemon's lock; a jhyve process ending is handled on the thread that noticed it, under the
 * same lock.
 */
public final class Daemon implements AutoCloseable {
    /** libvirt's domain states, as virsh prints them. */
    public enum State {
        RUNNING("running"), SHUTOFF("shut off"), CRASHED("crashed");

        public final String text;

        State(String t) { text = t; }
    }

    /** A running domain. */
    final class Running {
        final Domain live;
        RunState run;
        final Map<String, ConsolePort> consoles = new LinkedHashMap<>();
        boolean destroyRequested, rebootRequested, shutdownRequested;

        Running(Domain live, RunState run) {
            this.live = live;
            this.run = run;
        }
    }

    private record Ended(State state, String reason) {}

    /** Where a VM's end is handled: off the JDK's process reaper, which must never block. */
    private static final java.util.concurrent.Executor WATCHERS =
            java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("jhyved watcher").factory());
    private static final int RESTART_BURST = 5;
    private static final long RESTART_WINDOW_MS = 60_000;

    final DaemonConfig cfg;
    private final DefinitionStore store;
    private final Taps taps;
    private final DomainHomes homes = DomainHomes.fromEnvironment();
    private final Consumer<String> log;
    private final Map<String, Running> running = new HashMap<>();
    private final Map<String, Ended> ended = new HashMap<>();
    private final Map<String, ArrayDeque<Long>> restarts = new HashMap<>();
    private int nextId = 1;
    private volatile boolean closed;

    private Daemon(DaemonConfig cfg, Consumer<String> log) {
        this.cfg = cfg;
        this.store = new DefinitionStore(cfg.domainsDir(), cfg.autostartDir());
        this.taps = new Taps(cfg.ip(), cfg.networksDir());
        this.log = log;
    }

    /**
     * Loads the definitions, finds the domains that kept running while no daemon watched them
     * (or learns how they ended meanwhile), then starts the autostart domains that are not running.
     */
    public static Daemon open(DaemonConfig cfg, Consumer<String> log) throws IOException {
        var d = new Daemon(cfg, log);
        for (var dir : List.of(cfg.stateDir(), cfg.runDir(), cfg.logDir())) Files.createDirectories(dir);
        for (var p : d.store.load()) log.accept("skipping definition " + p);
        d.reattachAll();
        if (cfg.autostart()) d.autostartAll();
        return d;
    }

    // ---- definitions ----

    /** Parses and stores a definition; gives it a UUID and MAC addresses once, as libvirt does. */
    public synchronized Domain define(String xml) throws DaemonException {
        var d = complete(parse(xml));
        checkConvertible(d);
        var old = store.get(d.name());
        for (var other : store.all()) {
            if (!other.name().equals(d.name()) && other.uuid().equalsIgnoreCase(d.uuid())) {
                throw new DaemonException("operation failed: domain '" + other.name() + "' already exists with uuid " + d.uuid());
            }
        }
        if (old != null && !old.uuid().equalsIgnoreCase(d.uuid())) {
            throw new DaemonException("operation failed: domain '" + d.name() + "' already exists with uuid " + old.uuid());
        }
        var r = running.get(d.name());
        if (r != null && !r.live.uuid().equalsIgnoreCase(d.uuid())) {
            throw new DaemonException("operation failed: domain '" + d.name() + "' is already running with uuid " + r.live.uuid());
        }
        store.put(d);
        if (r != null && r.run.transientDomain()) persist(r, r.run.withTransient(false));
        return d;
    }

    public synchronized void undefine(String name) throws DaemonException {
        if (store.get(name) == null) {
            if (running.containsKey(name)) throw new DaemonException("Requested operation is not valid: cannot undefine transient domain");
            throw noDomain(name);
        }
        store.remove(name);
        ended.remove(name);
        var r = running.get(name);
        if (r != null) persist(r, r.run.withTransient(true)); // it goes away when it stops, as in libvirt
    }

    private static Domain parse(String xml) throws DaemonException {
        try {
            return DomainXmlParser.parse(xml);
        } catch (DomainXmlException e) {
            throw new DaemonException(e.getMessage());
        }
    }

    private static Domain complete(Domain d) {
        if (d.uuid() == null) d = d.withUuid(UUID.randomUUID().toString());
        var nets = new ArrayList<NetInterface>();
        for (var n : d.devices().interfaces()) nets.add(n.mac() == null ? n.withMac(ConversionOptions.randomMac()) : n);
        var dev = d.devices();
        return d.withDevices(new Devices(dev.disks(), dev.controllers(), dev.filesystems(), nets, dev.serials(),
                dev.consoles(), dev.channels(), dev.inputs(), dev.graphics(), dev.sounds(), dev.audios(), dev.videos(),
                dev.hostdevs(), dev.rngs()));
    }

    /** Refuses at define time what could never start (libvirt checks the same on define). */
    private void checkConvertible(Domain d) throws DaemonException {
        DomainHomes.checkName(d.name());
        try {
            DomainToArgv.convert(d, options(n -> "tap0", new ArrayDeque<>(List.of(5900, 5901, 5902, 5903))));
        } catch (DomainXmlException e) {
            throw new DaemonException(e.getMessage());
        }
    }

    private ConversionOptions options(java.util.function.Function<NetInterface, String> tapNames, ArrayDeque<Integer> vnc) {
        var o = ConversionOptions.dryRun().withPrograms(cfg.jhyve(), cfg.loader())
                .withDirs(cfg.firmwareDir(), cfg.nvramDir(), cfg.stateDir()).withTaps(tapNames)
                .withKernelBoot(cfg.kernelBoot()).withPtyConsoles(true);
        return o.withVncPorts(() -> vnc.isEmpty() ? 5900 : vnc.removeFirst());
    }

    // ---- lookups ----

    /** A domain by name, UUID or running id. */
    synchronized String resolve(String key) throws DaemonException {
        if (store.get(key) != null || running.containsKey(key)) return key;
        for (var r : running.values()) {
            if (Integer.toString(r.run.id()).equals(key) || r.live.uuid().equalsIgnoreCase(key)) return r.live.name();
        }
        for (var d : store.all()) if (d.uuid().equalsIgnoreCase(key)) return d.name();
        throw noDomain(key);
    }

    private static DaemonException noDomain(String key) {
        return new DaemonException("failed to get domain '" + key + "'");
    }

    synchronized Domain definition(String name) throws DaemonException {
        var d = store.get(name);
        if (d != null) return d;
        var r = running.get(name);
        if (r != null) return r.live;
        throw noDomain(name);
    }

    synchronized Running running(String name) { return running.get(name); }

    synchronized boolean persistent(String name) { return store.get(name) != null; }

    synchronized boolean autostart(String name) { return store.autostart(name); }

    synchronized State state(String name) throws DaemonException {
        resolve(name);
        if (running.containsKey(name)) return State.RUNNING;
        var e = ended.get(name);
        return e == null ? State.SHUTOFF : e.state;
    }

    /** libvirt's state reason: booted while running; shutdown, destroyed, crashed, failed, unknown after. */
    synchronized String reason(String name) throws DaemonException {
        resolve(name);
        if (running.containsKey(name)) return "booted";
        var e = ended.get(name);
        return e == null ? "unknown" : e.reason;
    }

    /** All domain names (defined ones and transient running ones), sorted. */
    synchronized List<String> names() {
        var s = new java.util.TreeSet<String>();
        for (var d : store.all()) s.add(d.name());
        s.addAll(running.keySet());
        return List.copyOf(s);
    }

    /** The live definition while running (taps, ports filled in), else the stored one. */
    synchronized String dumpxml(String name, boolean inactive) throws DaemonException {
        var r = running.get(name);
        if (r != null && !(inactive && store.get(name) != null)) return DomainXmlWriter.write(r.live);
        return DomainXmlWriter.write(definition(name));
    }

    public synchronized void setAutostart(String name, boolean on) throws DaemonException {
        if (store.get(name) == null) {
            throw new DaemonException("Requested operation is not valid: cannot set autostart for transient domain");
        }
        store.setAutostart(name, on);
    }

    /**
     * vcpupin: pins the running vCPU thread (live) and/or records {@code <vcpupin>} in the
     * definition (config); neither flag means the current state, as virsh's --current.
     */
    public synchronized void pin(String name, int vcpu, String cpulist, boolean config, boolean live) throws DaemonException {
        resolve(name);
        var r = running.get(name);
        if (!config && !live) {
            live = r != null;
            config = r == null;
        }
        var cpus = DomainStats.cpus(cpulist);
        if (live) {
            if (r == null) throw new DaemonException("Requested operation is not valid: domain is not running");
            if (vcpu < 0 || vcpu >= r.live.vcpus()) {
                throw new DaemonException("invalid argument: vcpu " + vcpu + " is out of range of live cpu count " + r.live.vcpus());
            }
            DomainStats.pinLive(r, vcpu, cpus);
        }
        if (config) {
            var d = store.get(name);
            if (d == null) throw new DaemonException("Requested operation is not valid: cannot change persistent config of a transient domain");
            store.put(DomainStats.withPin(d, vcpu, cpus));
        }
    }

    // ---- lifecycle ----

    public synchronized void start(String name) throws DaemonException {
        var d = store.get(name);
        if (d == null) throw running.containsKey(name) ? alreadyRunning() : noDomain(name);
        if (running.containsKey(name)) throw alreadyRunning();
        launch(d, false);
    }

    /** Starts a domain from XML without defining it (virsh create); it is gone once it stops. */
    public synchronized Domain create(String xml) throws DaemonException {
        var d = complete(parse(xml));
        DomainHomes.checkName(d.name());
        var stored = store.get(d.name());
        if (stored != null && !stored.uuid().equalsIgnoreCase(d.uuid())) {
            throw new DaemonException("operation failed: domain '" + d.name() + "' already exists with uuid " + stored.uuid());
        }
        if (running.containsKey(d.name())) throw alreadyRunning();
        launch(d, stored == null);
        return d;
    }

    private static DaemonException alreadyRunning() {
        return new DaemonException("Requested operation is not valid: domain is already running");
    }

    private void launch(Domain def, boolean transientDomain) throws DaemonException {
        // A home an earlier run left (a jhyve killed before this daemon could clean up) would
        // make jhyve or jhyveload refuse the name: it goes first.
        var leftover = homes.removeLeftover(def.name());
        if (leftover != null) Launcher.note(Launcher.files(cfg, def.name()).log(), leftover);
        var heldTaps = new HashSet<String>();
        var heldPorts = new HashSet<Integer>();
        for (var r : running.values()) {
            heldTaps.addAll(r.run.taps());
            heldPorts.addAll(r.run.vncPorts());
        }
        // Taps and ports first go into the live definition (as libvirt shows them), then the
        // command line is made from it.
        var nets = new ArrayList<NetInterface>();
        var bridges = new ArrayList<String[]>();
        for (var n : def.devices().interfaces()) {
            if (n.type().equals("bridge") || n.type().equals("network")) {
                var tap = n.targetDev() != null ? n.targetDev() : taps.freeName(heldTaps);
                if (heldTaps.contains(tap)) throw new DaemonException("tap " + tap + " is in use by another domain");
                heldTaps.add(tap);
                var bridge = n.type().equals("bridge") ? n.sourceBridge() : taps.bridgeOfNetwork(n.sourceNetwork());
                bridges.add(new String[] {tap, bridge});
                n = n.withTargetDev(tap);
            }
            nets.add(n);
        }
        var graphics = new ArrayList<Graphics>();
        var ports = new ArrayList<Integer>();
        for (var g : def.devices().graphics()) {
            if ("vnc".equals(g.type()) && g.isAutoport()) {
                int p = VncPorts.allocate(heldPorts, g.effectiveListen());
                heldPorts.add(p);
                ports.add(p);
                g = g.withPort(p);
            } else if ("vnc".equals(g.type()) && g.port() != null) {
                if (heldPorts.contains(g.port())) throw new DaemonException("VNC port " + g.port() + " is in use by another domain");
                ports.add(g.port());
            }
            graphics.add(g);
        }
        var dev = def.devices();
        var live = def.withDevices(new Devices(dev.disks(), dev.controllers(), dev.filesystems(), nets, dev.serials(),
                dev.consoles(), dev.channels(), dev.inputs(), graphics, dev.sounds(), dev.audios(), dev.videos(),
                dev.hostdevs(), dev.rngs()));
        NativeCommands cmds;
        try {
            cmds = DomainToArgv.convert(live, options(NetInterface::targetDev, new ArrayDeque<>(ports)));
        } catch (DomainXmlException e) {
            throw new DaemonException(e.getMessage());
        }
        var f = Launcher.files(cfg, def.name());
        var made = new ArrayList<String>();
        try {
            for (var b : bridges) {
                taps.create(b[0], b[1]);
                made.add(b[0]);
            }
            DefinitionStore.writeAtomically(cfg.runDir().resolve(def.name() + ".xml"), DomainXmlWriter.write(live));
            var started = Launcher.start(def.name(), cmds, f);
            var run = new RunState(def.name(), nextId++, started.wrapper().pid(),
                    ProcInfo.startMillis(started.wrapper().pid()).orElse(0L), started.jhyvePid(), started.consoles(),
                    made, ports, transientDomain, System.currentTimeMillis());
            var r = new Running(live, run);
            running.put(def.name(), r);
            ended.remove(def.name());
            persist(r, run);
            openConsoles(r, f.log());
            log.accept("domain " + def.name() + " started (id " + run.id() + ", jhyve pid " + run.jhyvePid() + ")");
            started.wrapper().onExit().thenRunAsync(() -> wrapperEnded(r), WATCHERS);
        } catch (DaemonException | RuntimeException e) {
            for (var t : made) taps.remove(t);
            deleteRunFiles(def.name());
            throw e;
        }
    }

    private void persist(Running r, RunState s) {
        r.run = s;
        DefinitionStore.writeAtomically(cfg.runDir().resolve(s.name() + ".json"), s.toJson());
    }

    private void openConsoles(Running r, Path log) {
        for (var e : r.run.consoles().entrySet()) {
            try {
                r.consoles.put(e.getKey(), new ConsolePort(e.getKey(), e.getValue(),
                        cfg.logDir().resolve(r.live.name() + ".console.log")));
            } catch (DaemonException ex) {
                Launcher.note(log, ex.getMessage()); // the guest may already have ended
            }
        }
    }

    /** SIGTERM to jhyve: the ACPI power button (libvirt's shutdown for bhyve). */
    public synchronized void shutdown(String name) throws DaemonException {
        var r = requireRunning(name);
        r.shutdownRequested = true;
        signal(r, false);
    }

    /** How {@link #reboot} brought the guest down. */
    public enum RebootMethod {
        /** The ACPI power button: the guest shuts down, then the daemon starts it again. */
        ACPI,
        /** The guest never enabled ACPI: jhyve was reset (jhyvectl --force-reset) and starts again. */
        RESET
    }

    /** What jhyve says on SIGTERM when the guest cannot see the power button (org.jhyve.cli.Jhyve). */
    static final String NO_ACPI = "SIGTERM: the guest has not enabled ACPI";
    /** jhyve handles SIGTERM at once; this long the daemon waits for its "no ACPI" answer. */
    static final long ACPI_ANSWER_MS = 2_000;
    /** A late answer (a loaded host) is still acted on this long after the request. */
    static final long ACPI_LATE_ANSWER_MS = 30_000;

    /**
     * libvirt's bhyve reboot: SIGTERM (the ACPI power button), and a fresh start once jhyve has
     * exited, whatever on_poweroff says (bhyve, too, restarts the process). A guest that has not
     * enabled ACPI ignores the button; jhyve says so, and then the daemon resets the machine
     * ({@code jhyvectl --force-reset}: exit 0, restarted) unless {@code acpiOnly} (virsh reboot
     * --mode acpi), which fails instead.
     */
    public RebootMethod reboot(String name, boolean acpiOnly) throws DaemonException {
        Running r;
        Path log;
        long from;
        synchronized (this) {
            r = requireRunning(name);
            log = Launcher.files(cfg, name).log();
            from = Launcher.size(log);
            signal(r, false);
            r.rebootRequested = true; // jhyve's end is handled under this lock, so not before this
        }
        long start = System.currentTimeMillis();
        while (System.currentTimeMillis() - start < ACPI_ANSWER_MS) {
            if (Launcher.readFrom(log, from).contains(NO_ACPI)) return noAcpi(r, log, acpiOnly);
            synchronized (this) {
                if (running.get(name) != r) return RebootMethod.ACPI; // it is going down already
            }
            if (!pause(25)) break;
        }
        if (!acpiOnly) {
            Thread.ofVirtual().name("jhyved reboot " + name).start(() -> lateAnswer(r, log, from, start));
        }
        return RebootMethod.ACPI;
    }

    private synchronized RebootMethod noAcpi(Running r, Path log, boolean acpiOnly) throws DaemonException {
        var name = r.live.name();
        if (running.get(name) != r) return RebootMethod.ACPI;
        if (acpiOnly) {
            r.rebootRequested = false;
            throw new DaemonException("operation failed: domain '" + name + "' has not enabled ACPI, so it cannot see"
                    + " the power button (jvirsh reset " + name + " resets it)");
        }
        Launcher.note(log, "reboot: the guest has not enabled ACPI; resetting it (jhyvectl --force-reset)");
        homes.forceReset(name);
        return RebootMethod.RESET;
    }

    /** The "no ACPI" answer came after reboot returned: reset then, if the reboot still stands. */
    private void lateAnswer(Running r, Path log, long from, long start) {
        while (System.currentTimeMillis() - start < ACPI_LATE_ANSWER_MS) {
            synchronized (this) {
                if (closed || running.get(r.live.name()) != r || !r.rebootRequested) return;
            }
            if (Launcher.readFrom(log, from).contains(NO_ACPI)) {
                try {
                    noAcpi(r, log, false);
                } catch (DaemonException e) {
                    Launcher.note(log, e.getMessage());
                }
                return;
            }
            if (!pause(100)) return;
        }
    }

    /**
     * virsh reset: jhyve exits 0 at once (jhyvectl --force-reset), as on a guest reset, and the
     * daemon starts the domain again whatever on_reboot says (the domain stays up, as a reset
     * QEMU guest does).
     */
    public synchronized void reset(String name) throws DaemonException {
        var r = requireRunning(name);
        r.rebootRequested = true;
        try {
            homes.forceReset(name);
        } catch (DaemonException e) {
            r.rebootRequested = false;
            throw e;
        }
        Launcher.note(Launcher.files(cfg, name).log(), "reset (jhyvectl --force-reset)");
    }

    /** Sleeps; false when interrupted. */
    private static boolean pause(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL to jhyve; returns once the domain has stopped and its taps are gone. */
    public void destroy(String name) throws DaemonException {
        Running r;
        synchronized (this) {
            r = requireRunning(name);
            r.destroyRequested = true;
            signal(r, true);
        }
        long deadline = System.currentTimeMillis() + 15_000;
        synchronized (this) {
            while (running.get(name) == r) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) throw new DaemonException("operation timed out: domain '" + name + "' did not stop after SIGKILL");
                try {
                    wait(Math.min(left, 200));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DaemonException("interrupted while destroying domain '" + name + "'");
                }
            }
        }
    }

    private Running requireRunning(String name) throws DaemonException {
        resolve(name);
        var r = running.get(name);
        if (r == null) throw new DaemonException("Requested operation is not valid: domain is not running");
        return r;
    }

    private void signal(Running r, boolean kill) throws DaemonException {
        long pid = r.run.jhyvePid();
        var h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (h.isEmpty() || !ProcInfo.cmdline(pid).contains(r.live.name())) {
            throw new DaemonException("operation failed: jhyve process " + pid + " of domain '" + r.live.name() + "' is gone");
        }
        if (kill) h.get().destroyForcibly();
        else h.get().destroy();
    }

    /** The start script ended: jhyve is gone. Apply on_poweroff/on_reboot/on_crash. */
    private void wrapperEnded(Running r) {
        synchronized (this) {
            if (closed || running.get(r.live.name()) != r) return;
            var name = r.live.name();
            var f = Launcher.files(cfg, name);
            var exit = Launcher.readExit(f.exit());
            RestartPolicy.Outcome outcome;
            boolean loaderFailed = exit != null && exit.startsWith("loader");
            if (exit == null || loaderFailed) outcome = new RestartPolicy.Exited(4);
            else {
                int st = Integer.parseInt(exit);
                outcome = st >= 128 ? new RestartPolicy.Killed(st - 128) : new RestartPolicy.Exited(st);
            }
            var decision = RestartPolicy.decide(r.live, outcome, r.destroyRequested);
            boolean restart = !loaderFailed && exit != null && (decision.restart() || (r.rebootRequested && !r.destroyRequested));
            if (restart && !restartAllowed(name)) {
                Launcher.note(f.log(), "restarted " + RESTART_BURST + " times within " + RESTART_WINDOW_MS / 1000
                        + " s: leaving it shut off");
                restart = false;
            }
            cleanup(r);
            running.remove(name);
            String reason = decision.reason().name().toLowerCase();
            if (exit == null) reason = "unknown";
            ended.put(name, new Ended(decision.state() == RestartPolicy.State.CRASHED ? State.CRASHED : State.SHUTOFF, reason));
            Launcher.note(f.log(), "domain ended (" + (exit == null ? "no exit status" : "exit " + exit) + "): "
                    + ended.get(name).state.text + " (" + reason + ")" + (restart ? ", starting it again" : ""));
            log.accept("domain " + name + " ended (" + exit + ")" + (restart ? ", restarting" : ""));
            notifyAll();
            if (!restart) return;
            var def = store.get(name) != null ? store.get(name) : r.live;
            try {
                launch(def, store.get(name) == null);
            } catch (DaemonException e) {
                ended.put(name, new Ended(State.SHUTOFF, "failed"));
                Launcher.note(f.log(), "restart failed: " + e.getMessage());
            }
        }
    }

    private boolean restartAllowed(String name) {
        var q = restarts.computeIfAbsent(name, k -> new ArrayDeque<>());
        long now = System.currentTimeMillis();
        while (!q.isEmpty() && now - q.peekFirst() > RESTART_WINDOW_MS) q.removeFirst();
        if (q.size() >= RESTART_BURST) return false;
        q.addLast(now);
        return true;
    }

    private void cleanup(Running r) {
        for (var c : r.consoles.values()) c.close();
        r.consoles.clear();
        var f = Launcher.files(cfg, r.live.name());
        for (var t : r.run.taps()) {
            var problem = taps.remove(t);
            if (problem != null) Launcher.note(f.log(), problem);
        }
        // jhyve leaves its VM home (stopped, or stale when killed): remove it, as libvirt runs
        // bhyvectl --destroy after every run, so that neither a restart nor a later start finds it.
        try {
            var removed = homes.removeLeftover(r.live.name());
            if (removed != null) Launcher.note(f.log(), removed);
        } catch (DaemonException e) {
            Launcher.note(f.log(), e.getMessage());
            log.accept(e.getMessage());
        }
        deleteRunFiles(r.live.name());
    }

    private void deleteRunFiles(String name) {
        for (var suffix : List.of(".json", ".xml", ".sh", ".pid", ".exit")) {
            try {
                Files.deleteIfExists(cfg.runDir().resolve(name + suffix));
            } catch (IOException e) {
                log.accept("cannot delete " + name + suffix + ": " + e.getMessage());
            }
        }
    }

    // ---- after a daemon restart ----

    private synchronized void reattachAll() throws IOException {
        List<Path> states;
        try (var files = Files.list(cfg.runDir())) {
            states = files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        for (var p : states) {
            try {
                reattach(RunState.fromJson(Files.readString(p)));
            } catch (RuntimeException | DaemonException e) {
                log.accept("cannot re-attach " + p + ": " + e.getMessage());
            }
        }
    }

    private void reattach(RunState s) throws DaemonException {
        var f = Launcher.files(cfg, s.name());
        Domain live;
        try {
            live = parse(Files.readString(cfg.runDir().resolve(s.name() + ".xml")));
        } catch (IOException e) {
            throw new DaemonException("no live definition for " + s.name() + ": " + e.getMessage());
        }
        nextId = Math.max(nextId, s.id() + 1);
        var r = new Running(live, s);
        running.put(s.name(), r);
        boolean alive = ProcInfo.isOurs(s.wrapperPid(), s.wrapperStartMillis(), f.script().toString());
        if (!alive) {
            log.accept("domain " + s.name() + " ended while no daemon watched it");
            Thread.ofPlatform().daemon().name("jhyved ended " + s.name()).start(() -> wrapperEnded(r));
            return;
        }
        openConsoles(r, f.log());
        Launcher.note(f.log(), "re-attached by a new daemon (jhyve pid " + s.jhyvePid() + ")");
        log.accept("re-attached domain " + s.name() + " (id " + s.id() + ", jhyve pid " + s.jhyvePid() + ")");
        ProcessHandle.of(s.wrapperPid()).orElseThrow().onExit().thenRunAsync(() -> wrapperEnded(r), WATCHERS);
    }

    private void autostartAll() {
        for (var d : store.all()) {
            if (!store.autostart(d.name())) continue;
            synchronized (this) {
                if (running.containsKey(d.name())) continue;
                try {
                    launch(d, false);
                    log.accept("autostarted domain " + d.name());
                } catch (DaemonException e) {
                    log.accept("autostart of domain " + d.name() + " failed: " + e.getMessage());
                }
            }
        }
    }

    /** Running domains' ids and names, for list. */
    synchronized Map<String, Integer> ids() {
        var m = new LinkedHashMap<String, Integer>();
        for (var e : running.entrySet()) m.put(e.getKey(), e.getValue().run.id());
        return m;
    }

    /** Leaves the VMs running (a restarted daemon re-attaches) and stops watching them. */
    @Override
    public void close() {
        List<Running> rs;
        synchronized (this) {
            closed = true;
            rs = new ArrayList<>(running.values());
            notifyAll();
        }
        for (var r : rs) for (var c : r.consoles.values()) c.close();
    }

    /** For tests and the service's stop: waits until no domain is running. */
    synchronized boolean awaitNoneRunning(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!running.isEmpty()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) return false;
            wait(Math.min(left, 200));
        }
        return true;
    }
}
