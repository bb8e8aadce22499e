package org.jhyve.mgmt.daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The daemon's operations by name: one request object in, one JSON value out. */
final class Requests {
    private Requests() {}

    static Object handle(Daemon d, Map<String, Object> req) throws DaemonException {
        var op = Json.str(req, "op");
        if (op == null) throw new DaemonException("bad request: no 'op'");
        return switch (op) {
            case "version" -> {
                var m = new LinkedHashMap<String, Object>();
                m.put("daemon", "jhyved");
                m.put("version", HostInfo.VERSION);
                m.put("hypervisor", "jhyve");
                m.put("hypervisorVersion", HostInfo.VERSION);
                m.put("kernel", System.getProperty("os.version"));
                yield m;
            }
            case "hostname" -> HostInfo.hostname();
            case "nodeinfo" -> HostInfo.nodeinfo();
            case "capabilities" -> HostInfo.capabilities(HostInfo.nodeinfo(), Files.exists(Path.of("/dev/kvm")));
            case "list" -> list(d, Json.bool(req, "all"), Json.bool(req, "inactive"));
            case "define" -> d.define(xml(req)).name();
            case "create" -> d.create(xml(req)).name();
            case "undefine" -> {
                d.undefine(name(d, req));
                yield null;
            }
            case "start" -> {
                d.start(name(d, req));
                yield null;
            }
            case "shutdown" -> {
                d.shutdown(name(d, req));
                yield null;
            }
            case "reboot" -> {
                var mode = Json.str(req, "mode");
                if (mode != null && !mode.equals("acpi")) {
                    throw new DaemonException("Requested operation is not supported: reboot mode '" + mode
                            + "' (jhyve has only acpi)");
                }
                yield d.reboot(name(d, req), mode != null).name().toLowerCase();
            }
            case "reset" -> {
                d.reset(name(d, req));
                yield null;
            }
            case "destroy" -> {
                d.destroy(name(d, req));
                yield null;
            }
            case "dominfo" -> DomainStats.dominfo(d, name(d, req));
            case "domstate" -> {
                var n = name(d, req);
                var m = new LinkedHashMap<String, Object>();
                m.put("state", d.state(n).text);
                m.put("reason", d.reason(n));
                yield m;
            }
            case "dumpxml" -> d.dumpxml(name(d, req), Json.bool(req, "inactive"));
            case "autostart" -> {
                d.setAutostart(name(d, req), !Json.bool(req, "disable"));
                yield null;
            }
            case "vcpupin" -> {
                var n = name(d, req);
                var cpulist = Json.str(req, "cpulist");
                if (cpulist != null) {
                    d.pin(n, (int) Json.num(req, "vcpu", -1), cpulist, Json.bool(req, "config"), Json.bool(req, "live"));
                    yield null;
                }
                var rows = DomainStats.vcpupins(d, n, Json.bool(req, "config"));
                if (req.get("vcpu") != null) {
                    long v = Json.num(req, "vcpu", -1);
                    rows = rows.stream().filter(m -> m.get("vcpu").equals(v)).toList();
                    if (rows.isEmpty()) throw new DaemonException("invalid argument: vcpu " + v + " is out of range");
                }
                yield new ArrayList<Object>(rows);
            }
            case "domblkstat" -> DomainStats.blkstat(d, name(d, req), Json.str(req, "device"));
            case "domifstat" -> {
                var dev = Json.str(req, "device");
                if (dev == null) throw new DaemonException("command 'domifstat' requires <interface> option");
                yield DomainStats.ifstat(d, name(d, req), dev);
            }
            default -> throw new DaemonException("unknown operation '" + op + "'");
        };
    }

    private static String xml(Map<String, Object> req) throws DaemonException {
        var x = Json.str(req, "xml");
        if (x == null) throw new DaemonException("bad request: no 'xml'");
        return x;
    }

    private static String name(Daemon d, Map<String, Object> req) throws DaemonException {
        var n = Json.str(req, "name");
        if (n == null) throw new DaemonException("bad request: no domain 'name'");
        return d.resolve(n);
    }

    private static List<Object> list(Daemon d, boolean all, boolean inactiveOnly) throws DaemonException {
        var ids = d.ids();
        var out = new ArrayList<Object>();
        for (var n : d.names()) {
            boolean active = ids.containsKey(n);
            if (inactiveOnly ? active : !(all || active)) continue;
            var m = new LinkedHashMap<String, Object>();
            m.put("id", active ? (Object) (long) ids.get(n) : null);
            m.put("name", n);
            m.put("state", d.state(n).text);
            out.add(m);
        }
        return out;
    }
}
