package org.jhyve.mgmt.daemon;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the daemon must remember about a running domain to find it again after it restarts,
 * kept in RUN_DIR/NAME.json: the start script's process (pid and start time, which together
 * identify it even when pids are reused), jhyve's pid, the consoles' ptys, the taps and VNC ports
 * it holds, whether the domain is transient, its id and when it started.
 */
record RunState(String name, int id, long wrapperPid, long wrapperStartMillis, long jhyvePid,
                Map<String, String> consoles, List<String> taps, List<Integer> vncPorts, boolean transientDomain,
                long startedAtMillis) {
    RunState {
        consoles = Map.copyOf(new LinkedHashMap<>(consoles));
        taps = List.copyOf(taps);
        vncPorts = List.copyOf(vncPorts);
    }

    String toJson() {
        var m = new LinkedHashMap<String, Object>();
        m.put("name", name);
        m.put("id", (long) id);
        m.put("wrapperPid", wrapperPid);
        m.put("wrapperStartMillis", wrapperStartMillis);
        m.put("jhyvePid", jhyvePid);
        m.put("consoles", new LinkedHashMap<String, Object>(consoles));
        m.put("taps", new ArrayList<Object>(taps));
        m.put("vncPorts", vncPorts.stream().map(p -> (Object) (long) p).toList());
        m.put("transient", transientDomain);
        m.put("startedAtMillis", startedAtMillis);
        return Json.write(m) + "\n";
    }

    static RunState fromJson(String text) {
        var m = Json.parseObject(text.strip());
        var consoles = new LinkedHashMap<String, String>();
        for (var e : Json.obj(m, "consoles").entrySet()) consoles.put(e.getKey(), String.valueOf(e.getValue()));
        var ports = new ArrayList<Integer>();
        if (m.get("vncPorts") instanceof List<?> l) for (var p : l) ports.add(((Long) p).intValue());
        return new RunState(Json.str(m, "name"), (int) Json.num(m, "id", 0), Json.num(m, "wrapperPid", 0),
                Json.num(m, "wrapperStartMillis", 0), Json.num(m, "jhyvePid", 0), consoles, Json.strings(m, "taps"),
                ports, Json.bool(m, "transient"), Json.num(m, "startedAtMillis", 0));
    }

    RunState withJhyvePid(long pid) {
        return new RunState(name, id, wrapperPid, wrapperStartMillis, pid, consoles, taps, vncPorts, transientDomain,
                startedAtMillis);
    }

    RunState withTransient(boolean t) {
        return new RunState(name, id, wrapperPid, wrapperStartMillis, jhyvePid, consoles, taps, vncPorts, t,
                startedAtMillis);
    }
}
