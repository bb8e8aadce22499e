package org.jhyve.mgmt.virsh;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jhyve.mgmt.argv.ArgvToDomain;
import org.jhyve.mgmt.argv.ConversionOptions;
import org.jhyve.mgmt.argv.DomainToArgv;
import org.jhyve.mgmt.xml.DomainXmlException;
import org.jhyve.mgmt.xml.DomainXmlParser;
import org.jhyve.mgmt.xml.DomainXmlWriter;

/**
 * A virsh-like command for jhyve: the offline conversions ({@code domxml-to-native},
 * {@code domxml-from-native}) and the commands jhyved serves (see {@link Verbs}), over the local
 * socket or ssh. {@code jvirsh --stdio-proxy [SOCKET]} is the remote end of an ssh connection.
 */
public final class Jvirsh {
    static final List<String> DAEMON_COMMANDS = Verbs.COMMANDS;

    static final List<String> FORMATS = List.of("bhyve-argv", "jhyve-argv");

    private final PrintStream out, err;
    private final Map<String, String> env;
    private final java.io.InputStream in;
    private final boolean stdinIsTerminal;

    private Jvirsh(PrintStream out, PrintStream err, Map<String, String> env, java.io.InputStream in, boolean tty) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.in = in;
        this.stdinIsTerminal = tty;
    }

    public static void main(String[] args) {
        if (args.length >= 1 && args[0].equals("--stdio-proxy")) {
            System.exit(StdioProxy.run(args.length > 1 ? Path.of(args[1]) : DaemonClient.localSocket(null, System.getenv())));
        }
        System.exit(new Jvirsh(System.out, System.err, System.getenv(), System.in, org.jhyve.sys.Terminal.isatty(0))
                .dispatch(new ArrayList<>(Arrays.asList(args))));
    }

    /** Runs one command line; returns the exit status (0 success, 1 failure, as virsh). */
    public static int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, out, err, env, java.io.InputStream.nullInputStream());
    }

    /** As {@link #run(List, PrintStream, PrintStream, Map)} with in as the console's keyboard. */
    public static int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env,
                          java.io.InputStream in) {
        return new Jvirsh(out, err, env, in, false).dispatch(new ArrayList<>(args));
    }

    private int dispatch(List<String> args) {
        String uri = env.getOrDefault("JHYVE_DEFAULT_URI", "jhyve:///system");
        while (!args.isEmpty() && args.getFirst().startsWith("-")) {
            var a = args.removeFirst();
            switch (a) {
                case "-h", "--help" -> {
                    usage(out);
                    return 0;
                }
                case "-c", "--connect" -> {
                    if (args.isEmpty()) return fail("option '" + a + "' requires an argument");
                    uri = args.removeFirst();
                }
                default -> {
                    if (a.startsWith("--connect=")) uri = a.substring("--connect=".length());
                    else return fail("unsupported option '" + a + "'. See --help.");
                }
            }
        }
        var parsed = ConnectUri.parse(uri);
        if (parsed == null) {
            return fail("failed to connect to the hypervisor\nerror: no connection driver available for " + uri);
        }
        if (args.isEmpty()) {
            usage(err);
            return 1;
        }
        var cmd = args.removeFirst();
        try {
            return switch (cmd) {
                case "help" -> {
                    usage(out);
                    yield 0;
                }
                case "domxml-to-native" -> toNative(args);
                case "domxml-from-native" -> fromNative(args);
                default -> DAEMON_COMMANDS.contains(cmd)
                        ? new Verbs(new DaemonClient(parsed, env), out, err, in, env, stdinIsTerminal).run(cmd, args)
                        : fail("unknown command: '" + cmd + "'");
            };
        } catch (DomainXmlException e) {
            return fail(e.getMessage());
        } catch (UsageException e) {
            return fail(e.getMessage());
        } catch (Verbs.Usage e) {
            return fail(e.getMessage());
        } catch (DaemonClient.Failure e) {
            return fail(e.getMessage());
        }
    }

    private static final class UsageException extends Exception {
        UsageException(String m) { super(m); }
    }

    /** FORMAT and FILE, positional or as --format/--xml (--config for from-native), like virsh. */
    private String[] formatAndFile(List<String> args, String cmd, String fileOption) throws UsageException {
        String format = null, file = null;
        for (int i = 0; i < args.size(); i++) {
            var a = args.get(i);
            if (a.equals("--format") || a.equals(fileOption)) {
                if (i + 1 >= args.size()) throw new UsageException("option '" + a + "' requires an argument");
                if (a.equals("--format")) format = args.get(++i);
                else file = args.get(++i);
            } else if (a.startsWith("--")) {
                throw new UsageException("command '" + cmd + "' doesn't support option " + a);
            } else if (format == null) {
                format = a;
            } else if (file == null) {
                file = a;
            } else {
                throw new UsageException("unexpected data '" + a + "'");
            }
        }
        if (format == null) throw new UsageException("command '" + cmd + "' requires <format> option");
        if (!FORMATS.contains(format)) {
            throw new UsageException("invalid argument: unsupported config type " + format + " (use bhyve-argv)");
        }
        if (file == null) throw new UsageException("command '" + cmd + "' requires " + fileOption.substring(2) + " option");
        return new String[] {format, file};
    }

    private String read(String file) throws UsageException {
        try {
            return Files.readString(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new UsageException("Failed to open file '" + file + "': No such file or directory");
        } catch (IOException e) {
            throw new UsageException("Failed to read file '" + file + "': " + e.getMessage());
        }
    }

    private int toNative(List<String> args) throws UsageException, DomainXmlException {
        var ff = formatAndFile(args, "domxml-to-native", "--xml");
        var domain = DomainXmlParser.parse(read(ff[1]));
        var o = ConversionOptions.dryRun();
        o = o.withDirs(dir("JHYVE_FIRMWARE_DIR", o.firmwareDir()), dir("JHYVE_NVRAM_DIR", o.nvramDir()),
                dir("JHYVE_STATE_DIR", o.stateDir()));
        out.print(DomainToArgv.convert(domain, o).toText());
        return 0;
    }

    private Path dir(String var, Path fallback) {
        var v = env.get(var);
        return v == null || v.isEmpty() ? fallback : Path.of(v);
    }

    private int fromNative(List<String> args) throws UsageException, DomainXmlException {
        var ff = formatAndFile(args, "domxml-from-native", "--config");
        var r = ArgvToDomain.parse(read(ff[1]), () -> UUID.randomUUID().toString());
        for (var w : r.warnings()) err.println("warning: " + w);
        out.print(DomainXmlWriter.write(r.domain()));
        return 0;
    }

    private int fail(String message) {
        err.println("error: " + message);
        return 1;
    }

    private static void usage(PrintStream s) {
        s.print("""
                Usage: jvirsh [-c URI] COMMAND [ARGS]

                  -c, --connect URI   jhyve:///system, jhyve+unix:///system or jhyve+ssh://user@host[:port]/system
                                      (default: $JHYVE_DEFAULT_URI, else jhyve:///system; socket: $JHYVE_SOCKET)

                         URI parameters: ?socket=PATH (the daemon's socket, here or on the remote host),
                         ssh only: keyfile=PATH, no_verify=1, command=SSH, jvirsh=REMOTE_JVIRSH
                  --stdio-proxy [SOCKET]  the remote end of jhyve+ssh: relays stdin/stdout to the daemon

                Without the daemon:
                  domxml-to-native bhyve-argv FILE      print the loader and jhyve command lines of domain XML
                  domxml-from-native bhyve-argv FILE    print domain XML for jhyve (and loader) command lines

                Domains (jhyved):
                  define FILE | create FILE [--console] | undefine DOM
                  start DOM [--console] | shutdown DOM | reboot DOM [--mode acpi] | reset DOM | destroy DOM
                  list [--all|--inactive] [--name] | dominfo DOM | domstate DOM [--reason]
                  dumpxml DOM [--inactive] | edit DOM | autostart DOM [--disable]
                  console DOM [DEVNAME] [--force]          (Ctrl-] leaves)
                  vcpupin DOM [VCPU [CPULIST]] [--config|--live|--current]
                  domblkstat DOM [DEVICE] | domifstat DOM INTERFACE
                Host: capabilities | nodeinfo | version | hostname
                --json after a command prints the daemon's answer as JSON (list, dominfo, domstate,
                nodeinfo, version, hostname, vcpupin, domblkstat, domifstat, reboot).
                """);
    }
}
