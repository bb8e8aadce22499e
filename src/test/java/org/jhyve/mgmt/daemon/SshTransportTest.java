package org.jhyve.mgmt.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jhyve+ssh:// to localhost: an OpenSSH server started by the test on a loopback port with a
 * throwaway host key, user key and configuration in a temporary directory; jvirsh on the far side
 * runs --stdio-proxy to the daemon's socket. Debian's openssh-server is installed when missing
 * and the test runs as root (bin/install-deps does the same).
 */
@Tag("kvm")
class SshTransportTest {
    private static final Path SSHD = Path.of("/usr/sbin/sshd");

    @TempDir
    Path tmp;

    private static void ensureSshd() {
        if (Files.isExecutable(SSHD)) return;
        assumeTrue("root".equals(System.getProperty("user.name")), "sshd missing and not root to install it");
        var r = HostCommand.run(List.of("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive "
                + "apt-get install -y -qq --no-install-recommends openssh-server"));
        assumeTrue(r.status() == 0 && Files.isExecutable(SSHD), "cannot install openssh-server: " + r.output());
    }

    private static int freePort() throws IOException {
        try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Process sshd(Path dir, int port) throws Exception {
        HostCommand.check(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_key").toString()));
        HostCommand.check(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("user_key").toString()));
        Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
        Files.writeString(dir.resolve("sshd_config"), """
                Port %d
                ListenAddress 127.0.0.1
                HostKey %s
                AuthorizedKeysFile %s
                PidFile %s
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                """.formatted(port, dir.resolve("host_key"), dir.resolve("authorized_keys"), dir.resolve("sshd.pid")));
        Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
        var p = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (var s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    fail("sshd did not start: " + Files.readString(dir.resolve("sshd.log")));
                }
                Thread.sleep(50);
            }
        }
    }

    @Test
    void manageAndConsoleThroughSsh() throws Exception {
        ensureSshd();
        KvmAvailable.require();
        var sshDir = Files.createDirectories(tmp.resolve("ssh"));
        int port = freePort();
        var sshd = sshd(sshDir, port);
        try (var h = new DaemonHarness(Files.createDirectories(tmp.resolve("d")))) {
            h.startDaemon();
            var uri = "jhyve+ssh://root@127.0.0.1:" + port + "/system?keyfile=" + sshDir.resolve("user_key")
                    + "&no_verify=1&jvirsh=" + h.bin.resolve("jvirsh") + "&socket=" + h.socket;
            var f = tmp.resolve("far.xml");
            Files.writeString(f, DaemonHarness.guestXml("faraway", "echo", ""));
            h.uses("faraway");
            var r = h.virsh("-c", uri, "define", f.toString());
            assertEquals(0, r.status(), r.describe() + "\n" + Files.readString(sshDir.resolve("sshd.log")));
            assertEquals("Domain 'faraway' defined from " + f + "\n\n", r.out());
            assertEquals(0, h.virsh("-c", uri, "start", "faraway").status());
            r = h.virsh("-c", uri, "list", "--json");
            assertEquals("[{\"id\":1,\"name\":\"faraway\",\"state\":\"running\"}]\n", r.out(), r.describe());
            assertEquals(HostInfo.hostname() + "\n", h.virsh("-c", uri, "hostname").out());
            h.await("echo: ready", 30, () -> h.consoleLog("faraway").contains("echo: ready"));
            r = h.virsh(DaemonHarness.input("over ssh\rquit\r"), "-c", uri, "console", "faraway");
            assertTrue(r.out().contains("echo: over ssh"), r.describe());
            h.await("faraway shut off", 30, () -> h.state("faraway").startsWith("shut off"));
            r = h.virsh("-c", uri, "domstate", "nosuch");
            assertEquals("error: failed to get domain 'nosuch'\n", r.err());
            h.assertNoHomesLeft();
        } finally {
            sshd.destroy();
            sshd.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
