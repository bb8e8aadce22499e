package org.jhyve.mgmt.daemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jhyve.mgmt.argv.ConversionOptions;

/**
 * Where jhyved keeps things and which programs it runs.
 *
 * @param socket      the Unix socket clients connect to (mode 0600)
 * @param stateDir    persistent: domains/NAME.xml definitions, autostart/NAME markers,
 *                    networks/NAME (the bridge a libvirt network name stands for)
 * @param runDir      volatile: NAME.json (what runs: pids, ptys, taps, ports), NAME.xml (the live
 *                    definition), NAME.sh (the start script), NAME.pid, NAME.exit
 * @param logDir      NAME.log (jhyve's and the loader's output, daemon notes) and NAME.console.log
 *                    (what the guest wrote on its serial consoles)
 * @param jhyve       the jhyve program; loader likewise (jhyveload)
 * @param kernelBoot  who loads a {@code <os><kernel>}: jhyve itself ({@code -o jhyve.kernel=}) or jhyveload
 * @param ip          the ip(8) command and leading options (for example {@code ip -n NETNS}) used for taps
 */
public record DaemonConfig(Path socket, Path stateDir, Path runDir, Path logDir, String jhyve, String loader,
                           ConversionOptions.KernelBoot kernelBoot, List<String> ip,
                           Path firmwareDir, Path nvramDir, boolean autostart) {
    public DaemonConfig {
        ip = List.copyOf(ip);
    }

    public static final Path DEFAULT_SOCKET = Path.of("/run/jhyve/jhyved.sock");

    /** The socket clients use: JHYVE_SOCKET when set, else the system one. */
    public static Path clientSocket(Map<String, String> env) {
        var s = env.get("JHYVE_SOCKET");
        return s == null || s.isEmpty() ? DEFAULT_SOCKET : Path.of(s);
    }

    public Path domainsDir() { return stateDir.resolve("domains"); }

    public Path autostartDir() { return stateDir.resolve("autostart"); }

    public Path networksDir() { return stateDir.resolve("networks"); }

    /**
     * Options as {@code jhyved} takes them (see {@link #usage()}); environment variables give the
     * defaults: JHYVE_SOCKET, JHYVE_STATE_DIR, JHYVE_RUN_DIR, JHYVE_LOG_DIR, JHYVE_BIN_DIR.
     */
    public static DaemonConfig parse(List<String> args, Map<String, String> env) {
        Path socket = clientSocket(env);
        Path state = path(env, "JHYVE_STATE_DIR", "/var/lib/jhyve");
        Path run = path(env, "JHYVE_RUN_DIR", "/run/jhyve");
        Path log = path(env, "JHYVE_LOG_DIR", "/var/log/jhyve");
        var binDir = env.get("JHYVE_BIN_DIR");
        String bin = binDir == null || binDir.isEmpty() ? "" : binDir + "/";
        String jhyve = bin + "jhyve", loader = bin + "jhyveload";
        var kernelBoot = ConversionOptions.KernelBoot.JHYVE;
        List<String> ip = List.of("ip");
        Path firmware = path(env, "JHYVE_FIRMWARE_DIR", ConversionOptions.DEFAULT_FIRMWARE_DIR.toString());
        Path nvram = null;
        boolean autostart = true;
        var rest = new ArrayList<>(args);
        while (!rest.isEmpty()) {
            var a = rest.removeFirst();
            int eq = a.indexOf('=');
            var key = eq < 0 ? a : a.substring(0, eq);
            if (key.equals("--no-autostart")) {
                autostart = false;
                continue;
            }
            if (key.equals("-f") || key.equals("--foreground")) continue;
            String v;
            if (eq >= 0) v = a.substring(eq + 1);
            else if (!rest.isEmpty()) v = rest.removeFirst();
            else throw new IllegalArgumentException("option " + a + " needs a value");
            switch (key) {
                case "--socket" -> socket = Path.of(v);
                case "--state-dir" -> state = Path.of(v);
                case "--run-dir" -> run = Path.of(v);
                case "--log-dir" -> log = Path.of(v);
                case "--jhyve" -> jhyve = v;
                case "--jhyveload" -> loader = v;
                case "--firmware-dir" -> firmware = Path.of(v);
                case "--kernel-loader" -> kernelBoot = switch (v) {
                    case "jhyve" -> ConversionOptions.KernelBoot.JHYVE;
                    case "jhyveload" -> ConversionOptions.KernelBoot.JHYVELOAD;
                    default -> throw new IllegalArgumentException("--kernel-loader must be jhyve or jhyveload, not '" + v + "'");
                };
                case "--ip" -> ip = List.of(v.trim().split("\\s+"));
                default -> throw new IllegalArgumentException("unknown option " + key + " (see jhyved --help)");
            }
        }
        if (nvram == null) nvram = state.resolve("nvram");
        return new DaemonConfig(socket, state, run, log, jhyve, loader, kernelBoot, ip, firmware, nvram, autostart);
    }

    private static Path path(Map<String, String> env, String var, String dflt) {
        var v = env.get(var);
        return Path.of(v == null || v.isEmpty() ? dflt : v);
    }

    public static String usage() {
        return """
                Usage: jhyved [options]      (runs in the foreground; systemd: contrib/jhyved.service)
                  --socket PATH          Unix socket for jvirsh (default /run/jhyve/jhyved.sock, env JHYVE_SOCKET)
                  --state-dir DIR        definitions and autostart marks (default /var/lib/jhyve)
                  --run-dir DIR          running domains' state (default /run/jhyve)
                  --log-dir DIR          per-domain logs (default /var/log/jhyve)
                  --jhyve PROG           the jhyve program (default: jhyve beside jhyved, env JHYVE_BIN_DIR)
                  --jhyveload PROG       the loader for --kernel-loader jhyveload (default: beside jhyved)
                  --kernel-loader jhyve|jhyveload
                                         who loads <os><kernel>: jhyve itself (-o jhyve.kernel=, default)
                                         or a jhyveload -k line before jhyve
                  --ip 'ip [-n NETNS]'   the ip(8) command used for taps
                  --firmware-dir DIR     UEFI firmware for <os firmware='efi'>
                  --no-autostart         do not start the domains marked for autostart
                """;
    }
}
