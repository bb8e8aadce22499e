package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jhyve.mgmt.argv.CpuSet;
import org.jhyve.mgmt.xml.DomainXmlException;
import org.jhyve.mgmt.xml.Domain;

/**
 * What can be known about a domain from outside jhyve: dominfo's fields, per-vCPU threads and
 * their pinning (jhyve names its vCPU threads "vcpu N"), disk files and the process's storage
 * I/O, and the taps' counters (from the guest's side: the tap's tx is the guest's rx).
 */
final class DomainStats {
    private DomainStats() {}

    static Map<String, Object> dominfo(Daemon d, String name) throws DaemonException {
        var def = d.definition(name);
        var r = d.running(name);
        var live = r != null ? r.live : def;
        var m = new LinkedHashMap<String, Object>();
        m.put("id", r == null ? null : (long) r.run.id());
        m.put("name", name);
        m.put("uuid", live.uuid());
        m.put("osType", "hvm");
        m.put("state", d.state(name).text);
        m.put("reason", d.reason(name));
        m.put("cpus", (long) live.vcpus());
        if (r != null) m.put("cpuTimeSeconds", ProcInfo.cpuNanos(r.run.jhyvePid()) / 1e9);
        m.put("maxMemoryKiB", live.memoryKiB());
        m.put("usedMemoryKiB", r != null ? live.memoryKiB() : 0L);
        m.put("persistent", d.persistent(name));
        m.put("autostart", d.autostart(name));
        m.put("managedSave", false);
        m.put("securityModel", "none");
        if (r != null) {
            m.put("jhyvePid", r.run.jhyvePid());
            m.put("rssKiB", ProcInfo.rssKiB(r.run.jhyvePid()));
            m.put("consoles", new LinkedHashMap<String, Object>(r.run.consoles()));
            m.put("taps", new ArrayList<Object>(r.run.taps()));
            m.put("vncPorts", r.run.vncPorts().stream().map(p -> (Object) (long) p).toList());
        }
        return m;
    }

    /** The tids of jhyve's vCPU threads, by vCPU number. */
    static Map<Integer, Long> vcpuThreads(long pid) {
        var out = new java.util.TreeMap<Integer, Long>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (var t : tasks.toList()) {
                try {
                    var comm = Files.readString(t.resolve("comm")).strip();
                    if (comm.matches("vcpu \\d+")) out.put(Integer.parseInt(comm.substring(5)), Long.parseLong(t.getFileName().toString()));
                } catch (IOException | NumberFormatException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        return out;
    }

    /** Cpus_allowed_list of a thread. */
    static String affinity(long pid, long tid) {
        try {
            for (var l : Files.readAllLines(Path.of("/proc/" + pid + "/task/" + tid + "/status"))) {
                if (l.startsWith("Cpus_allowed_list:")) return l.substring(18).strip();
            }
        } catch (IOException e) {
            // gone
        }
        return null;
    }

    /** virsh vcpupin's table: each vCPU and its CPU list (live when running, else the definition's). */
    static List<Map<String, Object>> vcpupins(Daemon d, String name, boolean config) throws DaemonException {
        var def = d.definition(name);
        var r = d.running(name);
        var out = new ArrayList<Map<String, Object>>();
        var all = "0-" + (Runtime.getRuntime().availableProcessors() - 1);
        var threads = r != null && !config ? vcpuThreads(r.run.jhyvePid()) : Map.<Integer, Long>of();
        var dom = r != null && !config ? r.live : def;
        for (int v = 0; v < dom.vcpus(); v++) {
            String set = null;
            if (threads.containsKey(v)) set = affinity(r.run.jhyvePid(), threads.get(v));
            if (set == null) {
                final int vv = v;
                set = dom.vcpuPins().stream().filter(p -> p.vcpu() == vv).map(p -> p.cpuset()).findFirst().orElse(all);
            }
            var m = new LinkedHashMap<String, Object>();
            m.put("vcpu", (long) v);
            m.put("cpuAffinity", set);
            out.add(m);
        }
        return out;
    }

    /** Pins a running vCPU thread with taskset(1). */
    static void pinLive(Daemon.Running r, int vcpu, String cpulist) throws DaemonException {
        var tid = vcpuThreads(r.run.jhyvePid()).get(vcpu);
        if (tid == null) throw new DaemonException("vCPU " + vcpu + " of domain '" + r.live.name() + "' has no thread named 'vcpu " + vcpu + "'");
        HostCommand.check(List.of("taskset", "-p", "-c", cpus(cpulist), Long.toString(tid)));
    }

    static Map<String, Object> blkstat(Daemon d, String name, String device) throws DaemonException {
        var def = d.definition(name);
        var r = d.running(name);
        var live = r != null ? r.live : def;
        var disks = live.devices().disks();
        var m = new LinkedHashMap<String, Object>();
        var list = new ArrayList<Object>();
        for (var disk : disks) {
            if (device != null && !device.equals(disk.targetDev()) && !device.equals(disk.sourceFile())) continue;
            var e = new LinkedHashMap<String, Object>();
            e.put("device", disk.targetDev());
            e.put("source", disk.sourceFile());
            if (disk.sourceFile() != null) e.putAll(diskFile(Path.of(disk.sourceFile())));
            list.add(e);
        }
        if (device != null && list.isEmpty()) throw new DaemonException("invalid argument: invalid path: " + device);
        m.put("disks", list);
        if (r != null) {
            var io = ProcInfo.io(r.run.jhyvePid());
            if (io != null) {
                m.put("rd_bytes", io[0]);
                m.put("wr_bytes", io[1]);
            }
        }
        m.put("note", "jhyve counts no requests per disk (jhyvectl --get-stats has per-vCPU exit counts only);"
                + " rd_bytes/wr_bytes are the storage I/O of the whole jhyve process");
        return m;
    }

    /**
     * A disk file's capacity (its size) and allocation (the bytes its blocks take, less than the
     * size for a sparse file), or an error entry. The JDK has no st_blocks, so stat(1) gives it.
     */
    static Map<String, Object> diskFile(Path p) {
        var e = new LinkedHashMap<String, Object>();
        try {
            e.put("capacity", Files.size(p));
        } catch (IOException x) {
            e.put("error", "cannot stat " + p + ": " + x.getMessage());
            return e;
        }
        var r = HostCommand.run(List.of("stat", "-L", "-c", "%b %B", "--", p.toString()));
        var w = r.output().strip().split(" ");
        if (r.status() == 0 && w.length == 2 && w[0].matches("\\d+") && w[1].matches("\\d+")) {
            e.put("allocation", Long.parseLong(w[0]) * Long.parseLong(w[1]));
        } else {
            e.put("error", "cannot read the allocation of " + p + ": " + r.output().strip());
        }
        return e;
    }

    static Map<String, Object> ifstat(Daemon d, String name, String device) throws DaemonException {
        var r = d.running(name);
        d.definition(name);
        if (r == null) throw new DaemonException("Requested operation is not valid: domain is not running");
        String tap = null;
        for (var n : r.live.devices().interfaces()) {
            if (device.equals(n.targetDev()) || device.equalsIgnoreCase(String.valueOf(n.mac()))) tap = n.targetDev();
        }
        if (tap == null) throw new DaemonException("invalid argument: invalid interface: " + device);
        var m = new LinkedHashMap<String, Object>();
        m.put("device", tap);
        var base = Path.of("/sys/class/net", tap, "statistics");
        if (!Files.isDirectory(base)) {
            throw new DaemonException("operation failed: no counters for " + tap + " in /sys/class/net (is it in another network namespace?)");
        }
        // the tap's transmit side is what the guest receives, and the other way round
        for (var k : List.of(new String[] {"rx_bytes", "tx_bytes"}, new String[] {"rx_packets", "tx_packets"},
                new String[] {"rx_errs", "tx_errors"}, new String[] {"rx_drop", "tx_dropped"},
                new String[] {"tx_bytes", "rx_bytes"}, new String[] {"tx_packets", "rx_packets"},
                new String[] {"tx_errs", "rx_errors"}, new String[] {"tx_drop", "rx_dropped"})) {
            try {
                m.put(k[0], Long.parseLong(Files.readString(base.resolve(k[1])).strip()));
            } catch (IOException | NumberFormatException e) {
                m.put(k[0], -1L);
            }
        }
        return m;
    }

    /** A cpuset in libvirt's syntax as a plain list ("0-2,^1" -> "0,2"), refused when invalid. */
    static String cpus(String cpulist) throws DaemonException {
        try {
            return String.join(",", CpuSet.parse(cpulist).stream().map(String::valueOf).toList());
        } catch (DomainXmlException e) {
            throw new DaemonException(e.getMessage());
        }
    }

    static Domain withPin(Domain d, int vcpu, String cpulist) throws DaemonException {
        if (vcpu < 0 || vcpu >= d.vcpus()) throw new DaemonException("invalid argument: vcpu " + vcpu + " is out of range of live cpu count " + d.vcpus());
        var pins = new ArrayList<org.jhyve.mgmt.xml.VcpuPin>();
        for (var p : d.vcpuPins()) if (p.vcpu() != vcpu) pins.add(p);
        pins.add(new org.jhyve.mgmt.xml.VcpuPin(vcpu, cpus(cpulist)));
        pins.sort(java.util.Comparator.comparingInt(org.jhyve.mgmt.xml.VcpuPin::vcpu));
        return new Domain(d.type(), d.name(), d.uuid(), d.title(), d.description(), d.memoryKiB(), d.currentMemoryKiB(),
                d.memoryLocked(), d.vcpus(), d.vcpuPlacement(), d.topology(), pins, d.os(), d.bootloader(),
                d.bootloaderArgs(), d.features(), d.clockOffset(), d.onPoweroff(), d.onReboot(), d.onCrash(), d.sysinfo(),
                d.devices(), d.commandline());
    }
}
