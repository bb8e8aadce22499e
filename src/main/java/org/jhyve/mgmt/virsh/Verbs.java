package org.jhyve.mgmt.virsh;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jhyve.mgmt.daemon.Json;

/**
 * The jvirsh commands served by jhyved, with virsh's output (messages, tables, field lists) or,
 * with --json, the daemon's answer as one line of JSON.
 */
final class Verbs {
    static final List<String> COMMANDS = List.of("define", "undefine", "create", "start", "shutdown", "reboot",
            "reset", "destroy", "list", "dominfo", "domstate", "dumpxml", "edit", "autostart", "console", "capabilities",
            "nodeinfo", "vcpupin", "domblkstat", "domifstat", "version", "hostname");

    /** Options that take a value (the rest are flags). */
    private static final Set<String> VALUED = Set.of("--file", "--domain", "--devname", "--vcpu", "--cpulist",
            "--device", "--interface", "--mode");

    private final DaemonClient client;
    private final PrintStream out, err;
    private final InputStream in;
    private final Map<String, String> env;
    private final boolean stdinIsTerminal;

    Verbs(DaemonClient client, PrintStream out, PrintStream err, InputStream in, Map<String, String> env,
          boolean stdinIsTerminal) {
        this.client = client;
        this.out = out;
        this.err = err;
        this.in = in;
        this.env = env;
        this.stdinIsTerminal = stdinIsTerminal;
    }

    /** A parsed command: flags, valued options, positionals. */
    private record Args(String cmd, Set<String> flags, Map<String, String> opts, List<String> pos) {
        boolean has(String f) { return flags.contains(f); }

        /** The nth positional, or the named option, or an error in virsh's words. */
        String need(int n, String opt, String what) throws Usage {
            if (opts.containsKey(opt)) return opts.get(opt);
            if (pos.size() > n) return pos.get(n);
            throw new Usage("command '" + cmd + "' requires <" + what + "> option");
        }

        String maybe(int n, String opt) {
            if (opts.containsKey(opt)) return opts.get(opt);
            return pos.size() > n ? pos.get(n) : null;
        }
    }

    static final class Usage extends Exception {
        Usage(String m) { super(m); }
    }

    private static Args parse(String cmd, List<String> a, Set<String> allowedFlags) throws Usage {
        var flags = new java.util.HashSet<String>();
        var opts = new LinkedHashMap<String, String>();
        var pos = new ArrayList<String>();
        for (int i = 0; i < a.size(); i++) {
            var x = a.get(i);
            if (x.startsWith("--")) {
                int eq = x.indexOf('=');
                var key = eq < 0 ? x : x.substring(0, eq);
                if (VALUED.contains(key)) {
                    if (eq >= 0) opts.put(key, x.substring(eq + 1));
                    else if (i + 1 < a.size()) opts.put(key, a.get(++i));
                    else throw new Usage("option '" + key + "' requires an argument");
                } else if (allowedFlags.contains(x) || x.equals("--json")) {
                    flags.add(x);
                } else {
                    throw new Usage("command '" + cmd + "' doesn't support option " + x);
                }
            } else {
                pos.add(x);
            }
        }
        return new Args(cmd, flags, opts, pos);
    }

    private static Map<String, Object> req(String op, Object... kv) {
        var m = new LinkedHashMap<String, Object>();
        m.put("op", op);
        for (int i = 0; i < kv.length; i += 2) if (kv[i + 1] != null) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private void message(String m) {
        out.println(m);
        out.println();
    }

    private boolean json(Args a, Object result) {
        if (!a.has("--json")) return false;
        out.println(Json.write(result));
        return true;
    }

    private String readFile(String f) throws Usage {
        try {
            return Files.readString(Path.of(f));
        } catch (NoSuchFileException e) {
            throw new Usage("Failed to open file '" + f + "': No such file or directory");
        } catch (IOException e) {
            throw new Usage("Failed to read file '" + f + "': " + e.getMessage());
        }
    }

    int run(String cmd, List<String> argv) throws Usage, DaemonClient.Failure {
        switch (cmd) {
            case "define", "create" -> {
                var a = parse(cmd, argv, Set.of("--validate", "--console"));
                var file = a.need(0, "--file", "file");
                var name = (String) client.call(req(cmd, "xml", readFile(file)));
                message("Domain '" + name + "' " + (cmd.equals("define") ? "defined" : "created") + " from " + file);
                if (cmd.equals("create") && a.has("--console")) return console(name, null, false);
                return 0;
            }
            case "undefine" -> {
                var a = parse(cmd, argv, Set.of("--nvram", "--keep-nvram"));
                var name = a.need(0, "--domain", "domain");
                client.call(req(cmd, "name", name));
                message("Domain '" + name + "' has been undefined");
                return 0;
            }
            case "start" -> {
                var a = parse(cmd, argv, Set.of("--console", "--force-boot"));
                var name = a.need(0, "--domain", "domain");
                client.call(req(cmd, "name", name));
                message("Domain '" + name + "' started");
                return a.has("--console") ? console(name, null, false) : 0;
            }
            case "shutdown", "reset", "destroy" -> {
                var a = parse(cmd, argv, Set.of("--graceful"));
                var name = a.need(0, "--domain", "domain");
                client.call(req(cmd, "name", name));
                message(switch (cmd) {
                    case "shutdown" -> "Domain '" + name + "' is being shutdown";
                    case "reset" -> "Domain '" + name + "' was reset";
                    default -> "Domain '" + name + "' destroyed";
                });
                return 0;
            }
            case "reboot" -> {
                var a = parse(cmd, argv, Set.of());
                var name = a.need(0, "--domain", "domain");
                var how = client.call(req(cmd, "name", name, "mode", a.opts().get("--mode")));
                if (json(a, how)) return 0;
                // virsh's message; the reset a guest without ACPI gets instead is worth knowing
                if ("reset".equals(how)) err.println("warning: the guest has not enabled ACPI: it was reset instead");
                message("Domain '" + name + "' is being rebooted");
                return 0;
            }
            case "list" -> {
                var a = parse(cmd, argv, Set.of("--all", "--inactive", "--name", "--uuid"));
                var r = (List<?>) client.call(req(cmd, "all", a.has("--all"), "inactive", a.has("--inactive")));
                if (json(a, r)) return 0;
                if (a.has("--name")) {
                    for (var o : r) out.println(((Map<?, ?>) o).get("name"));
                    out.println();
                    return 0;
                }
                var rows = new ArrayList<List<String>>();
                for (var o : r) {
                    var m = (Map<?, ?>) o;
                    rows.add(List.of(m.get("id") == null ? "-" : m.get("id").toString(), m.get("name").toString(),
                            m.get("state").toString()));
                }
                table(List.of("Id", "Name", "State"), rows);
                return 0;
            }
            case "dominfo" -> {
                var a = parse(cmd, argv, Set.of());
                @SuppressWarnings("unchecked")
                var m = (Map<String, Object>) client.call(req(cmd, "name", a.need(0, "--domain", "domain")));
                if (json(a, m)) return 0;
                field("Id", m.get("id") == null ? "-" : m.get("id"));
                field("Name", m.get("name"));
                field("UUID", m.get("uuid"));
                field("OS Type", m.get("osType"));
                field("State", m.get("state"));
                field("CPU(s)", m.get("cpus"));
                if (m.get("cpuTimeSeconds") instanceof Number n) field("CPU time", String.format("%.1fs", n.doubleValue()));
                field("Max memory", m.get("maxMemoryKiB") + " KiB");
                field("Used memory", m.get("usedMemoryKiB") + " KiB");
                field("Persistent", Boolean.TRUE.equals(m.get("persistent")) ? "yes" : "no");
                field("Autostart", Boolean.TRUE.equals(m.get("autostart")) ? "enable" : "disable");
                field("Managed save", "no");
                field("Security model", "none");
                field("Security DOI", "0");
                out.println();
                return 0;
            }
            case "domstate" -> {
                var a = parse(cmd, argv, Set.of("--reason"));
                var m = (Map<?, ?>) client.call(req(cmd, "name", a.need(0, "--domain", "domain")));
                if (json(a, m)) return 0;
                out.println(m.get("state") + (a.has("--reason") ? " (" + m.get("reason") + ")" : ""));
                out.println();
                return 0;
            }
            case "dumpxml" -> {
                var a = parse(cmd, argv, Set.of("--inactive", "--security-info", "--migratable"));
                out.print(client.call(req(cmd, "name", a.need(0, "--domain", "domain"), "inactive", a.has("--inactive"))));
                return 0;
            }
            case "edit" -> {
                var a = parse(cmd, argv, Set.of());
                return edit(a.need(0, "--domain", "domain"));
            }
            case "autostart" -> {
                var a = parse(cmd, argv, Set.of("--disable"));
                var name = a.need(0, "--domain", "domain");
                client.call(req(cmd, "name", name, "disable", a.has("--disable")));
                message("Domain '" + name + "' " + (a.has("--disable") ? "unmarked" : "marked") + " as autostarted");
                return 0;
            }
            case "console" -> {
                var a = parse(cmd, argv, Set.of("--force", "--safe"));
                return console(a.need(0, "--domain", "domain"), a.maybe(1, "--devname"), a.has("--force"));
            }
            case "capabilities" -> {
                parse(cmd, argv, Set.of());
                out.print(client.call(req(cmd)));
                return 0;
            }
            case "hostname" -> {
                var a = parse(cmd, argv, Set.of());
                var h = client.call(req(cmd));
                if (!json(a, h)) out.println(h);
                return 0;
            }
            case "version" -> {
                var a = parse(cmd, argv, Set.of("--daemon"));
                var m = (Map<?, ?>) client.call(req(cmd));
                if (json(a, m)) return 0;
                out.println("Compiled against library: jhyve " + m.get("version"));
                out.println("Using library: jhyve " + m.get("version"));
                out.println("Using API: jhyve " + m.get("version"));
                out.println("Running hypervisor: jhyve " + m.get("hypervisorVersion"));
                if (a.has("--daemon")) out.println("Running against daemon: " + m.get("version"));
                out.println();
                return 0;
            }
            case "nodeinfo" -> {
                var a = parse(cmd, argv, Set.of());
                var m = (Map<?, ?>) client.call(req(cmd));
                if (json(a, m)) return 0;
                wide("CPU model", m.get("cpuModel"));
                wide("CPU(s)", m.get("cpus"));
                wide("CPU frequency", m.get("mhz") + " MHz");
                wide("CPU socket(s)", m.get("sockets"));
                wide("Core(s) per socket", m.get("coresPerSocket"));
                wide("Thread(s) per core", m.get("threadsPerCore"));
                wide("NUMA cell(s)", m.get("numaCells"));
                wide("Memory size", m.get("memoryKiB") + " KiB");
                out.println();
                return 0;
            }
            case "vcpupin" -> {
                var a = parse(cmd, argv, Set.of("--config", "--live", "--current"));
                var name = a.need(0, "--domain", "domain");
                var vcpu = a.maybe(1, "--vcpu");
                var cpulist = a.maybe(2, "--cpulist");
                Long v = null;
                if (vcpu != null) {
                    try {
                        v = Long.parseLong(vcpu);
                    } catch (NumberFormatException e) {
                        throw new Usage("Numeric value '" + vcpu + "' for <vcpu> option is malformed or out of range");
                    }
                }
                var r = client.call(req(cmd, "name", name, "vcpu", v, "cpulist", cpulist, "config", a.has("--config"),
                        "live", a.has("--live")));
                if (cpulist != null) return 0;
                if (json(a, r)) return 0;
                var rows = new ArrayList<List<String>>();
                for (var o : (List<?>) r) {
                    var m = (Map<?, ?>) o;
                    rows.add(List.of(m.get("vcpu").toString(), m.get("cpuAffinity").toString()));
                }
                table(List.of("VCPU", "CPU Affinity"), rows);
                return 0;
            }
            case "domblkstat" -> {
                var a = parse(cmd, argv, Set.of("--human"));
                var m = (Map<?, ?>) client.call(req(cmd, "name", a.need(0, "--domain", "domain"), "device",
                        a.maybe(1, "--device")));
                if (json(a, m)) return 0;
                for (var o : (List<?>) m.get("disks")) {
                    var d = (Map<?, ?>) o;
                    out.println(d.get("device") + " source " + d.get("source"));
                    if (d.get("capacity") != null) out.println(d.get("device") + " capacity " + d.get("capacity"));
                    if (d.get("allocation") != null) out.println(d.get("device") + " allocation " + d.get("allocation"));
                }
                if (m.get("rd_bytes") != null) out.println("rd_bytes " + m.get("rd_bytes"));
                if (m.get("wr_bytes") != null) out.println("wr_bytes " + m.get("wr_bytes"));
                out.println();
                return 0;
            }
            case "domifstat" -> {
                var a = parse(cmd, argv, Set.of());
                var name = a.need(0, "--domain", "domain");
                var dev = a.need(1, "--interface", "interface");
                var m = (Map<?, ?>) client.call(req(cmd, "name", name, "device", dev));
                if (json(a, m)) return 0;
                for (var e : m.entrySet()) {
                    if (!e.getKey().equals("device")) out.println(m.get("device") + " " + e.getKey() + " " + e.getValue());
                }
                out.println();
                return 0;
            }
            default -> throw new Usage("unknown command: '" + cmd + "'");
        }
    }

    private int console(String name, String device, boolean force) throws DaemonClient.Failure {
        return ConsoleClient.run(client, name, device, force, in, out, err, stdinIsTerminal);
    }

    /** virsh edit: the inactive XML in $VISUAL/$EDITOR, defined again when it changed. */
    private int edit(String name) throws DaemonClient.Failure, Usage {
        var xml = (String) client.call(req("dumpxml", "name", name, "inactive", true));
        try {
            var tmp = Files.createTempFile("jvirsh-" + name + "-", ".xml");
            try {
                Files.writeString(tmp, xml);
                var editor = env.getOrDefault("VISUAL", env.getOrDefault("EDITOR", "vi"));
                var cmd = new ArrayList<>(List.of("/bin/sh", "-c", editor + " \"$1\"", "sh", tmp.toString()));
                int st = new ProcessBuilder(cmd).inheritIO().start().waitFor();
                if (st != 0) throw new Usage("editor '" + editor + "' exited with status " + st);
                var edited = Files.readString(tmp);
                if (edited.equals(xml)) {
                    message("Domain '" + name + "' XML configuration not changed.");
                    return 0;
                }
                client.call(req("define", "xml", edited));
                message("Domain '" + name + "' XML configuration edited.");
                return 0;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new Usage("cannot edit domain '" + name + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Usage("interrupted while editing");
        }
    }

    private void field(String label, Object v) { out.printf("%-16s%s%n", label + ":", v); }

    private void wide(String label, Object v) { out.printf("%-21s%s%n", label + ":", v); }

    /** virsh's table: a leading space, columns three spaces apart, a dashed rule under the header. */
    private void table(List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) w[i] = header.get(i).length();
        for (var r : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
        var h = line(header, w);
        out.println(h);
        out.println("-".repeat(h.length() + 1));
        for (var r : rows) out.println(line(r, w));
        out.println();
    }

    private static String line(List<String> cells, int[] w) {
        var sb = new StringBuilder(" ");
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) sb.append("   ");
            sb.append(i == cells.size() - 1 ? cells.get(i) : String.format("%-" + w[i] + "s", cells.get(i)));
        }
        return sb.toString().stripTrailing();
    }
}
