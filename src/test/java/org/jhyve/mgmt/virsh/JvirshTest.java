package org.jhyve.mgmt.virsh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jhyve.mgmt.TestCases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JvirshTest {
    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = Jvirsh.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String file(String dir, String name) { return TestCases.dir(dir).resolve(name).toString(); }

    @Test
    void domxmlToNativePrintsLoaderAndJhyveLines() {
        var r = run("domxml-to-native", "bhyve-argv", file("argv", "base.xml"));
        assertEquals(0, r.status(), r.err());
        assertEquals("jhyveload -m 214 -d /tmp/freebsd.img bhyve\n"
                + "jhyve -c 1 -m 214 -u -H -P -s 0:0,hostbridge -s 2:0,ahci,hd:/tmp/freebsd.img "
                + "-s 3:0,virtio-net,tap0,mac=52:54:00:b9:94:02 bhyve\n", r.out());
    }

    @Test
    void optionSpellingsOfVirshWork() {
        var r = run("-c", "jhyve:///system", "domxml-to-native", "--format", "bhyve-argv", "--xml",
                file("argv", "uefi-nvram.xml"));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("jhyve -c 1 -m 214 -u -H -P -s 0:0,hostbridge -l bootrom,/path/to/test.fd,"), r.out());
        assertEquals(1, r.out().lines().count(), "no loader line for a boot ROM");
    }

    @Test
    void conversionErrorsUseVirshFormat() {
        var r = run("domxml-to-native", "bhyve-argv", file("argv-errors", "vnc-password-comma.xml"));
        assertEquals(1, r.status());
        assertEquals("error: unsupported configuration: Password may not contain ',' character\n", r.err());
    }

    @Test
    void domxmlFromNativePrintsXmlAndWarnings(@TempDir Path tmp) throws Exception {
        var f = tmp.resolve("cmd.txt");
        Files.writeString(f, "jhyve -m 256 -x -s 2,virtio-blk,/vm/a.img g\n");
        var r = run("domxml-from-native", "bhyve-argv", f.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("<source file='/vm/a.img'/>"), r.out());
        assertTrue(r.out().startsWith("<domain type='bhyve'>\n  <name>g</name>\n"), r.out());
        assertEquals("warning: ignoring option -x\n", r.err());
    }

    @Test
    void unsupportedFormatAndMissingFileAreErrors() {
        assertEquals("error: invalid argument: unsupported config type qemu-argv (use bhyve-argv)\n",
                run("domxml-to-native", "qemu-argv", "x.xml").err());
        var r = run("domxml-from-native", "bhyve-argv", "/nonexistent/cmd.txt");
        assertEquals(1, r.status());
        assertEquals("error: Failed to open file '/nonexistent/cmd.txt': No such file or directory\n", r.err());
        assertEquals("error: command 'domxml-to-native' requires <format> option\n", run("domxml-to-native").err());
    }

    @Test
    void daemonCommandsWithoutADaemonSayWhichSocket(@TempDir Path tmp) {
        var sock = tmp.resolve("none.sock");
        for (var cmd : List.of("start", "list", "console", "dominfo")) {
            var out = new ByteArrayOutputStream();
            var err = new ByteArrayOutputStream();
            int st = Jvirsh.run(List.of(cmd, "guest"), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("JHYVE_SOCKET", sock.toString()));
            assertEquals(1, st);
            assertEquals("error: failed to connect to the hypervisor\nerror: Failed to connect socket to '" + sock
                    + "': No such file or directory\n", err.toString(StandardCharsets.UTF_8), cmd);
        }
        assertEquals("error: command 'define' requires <file> option\n", run("define").err());
        assertEquals("error: command 'list' doesn't support option --bogus\n", run("list", "--bogus").err());
        var r = run("frobnicate");
        assertEquals(1, r.status());
        assertEquals("error: unknown command: 'frobnicate'\n", r.err());
    }

    @Test
    void connectUris() {
        assertTrue(ConnectUri.isValid("jhyve:///system"));
        assertTrue(ConnectUri.isValid("jhyve+unix:///system"));
        assertTrue(ConnectUri.isValid("jhyve+ssh://root@host.example/system"));
        assertTrue(ConnectUri.isValid("jhyve+ssh://host:2222/system"));
        assertEquals(false, ConnectUri.isValid("qemu:///system"));
        var u = ConnectUri.parse("jhyve+ssh://admin@h.example:2222/system?keyfile=/k/id&no_verify=1&socket=/s.sock&jvirsh=/opt/j");
        assertEquals(List.of("ssh", "-p", "2222", "-l", "admin", "-i", "/k/id", "-o", "IdentitiesOnly=yes", "-o",
                "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-T", "-o",
                "BatchMode=yes", "-e", "none", "h.example", "--", "/opt/j", "--stdio-proxy", "/s.sock"),
                new DaemonClient(u, Map.of()).sshCommand());
        assertEquals(Path.of("/x.sock"), DaemonClient.localSocket(ConnectUri.parse("jhyve+unix:///system?socket=/x.sock"),
                Map.of("JHYVE_SOCKET", "/y.sock")));
        assertEquals(Path.of("/y.sock"), DaemonClient.localSocket(ConnectUri.parse("jhyve:///system"), Map.of("JHYVE_SOCKET", "/y.sock")));
        var r = run("-c", "qemu:///system", "list");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("error: failed to connect to the hypervisor"), r.err());
    }

    @Test
    void helpExitsZero() {
        var r = run("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("domxml-to-native bhyve-argv FILE"));
    }
}
