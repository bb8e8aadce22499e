package org.jhyve.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The dnsmasq instance of one private network: DHCP on the bridge from the subnet's pool, DNS on
 * the bridge address answering HOSTNAME.DOMAIN for every guest that sent its host name, other
 * names forwarded to the host's resolvers. Its pid file, lease file and log live in the state
 * directory; it is found again (and only stopped) through that pid file.
 */
final class Dnsmasq {
    /** One line of the lease file: expiry, MAC, address, host name ("*" when none), client id. */
    record Lease(long expires, String mac, String address, String hostname) {}

    private final Host host;
    private final Path pidFile, leaseFile, logFile;
    private final String bridge, domain;
    private final Subnet subnet;

    Dnsmasq(Host host, Path stateDir, String bridge, Subnet subnet, String domain) {
        this.host = host;
        this.bridge = bridge;
        this.subnet = subnet;
        this.domain = domain;
        this.pidFile = stateDir.resolve(bridge + ".dnsmasq.pid");
        this.leaseFile = stateDir.resolve(bridge + ".leases");
        this.logFile = stateDir.resolve(bridge + ".dnsmasq.log");
    }

    long pid() {
        try {
            return Files.exists(pidFile) ? Long.parseLong(Files.readString(pidFile).strip()) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** The host's name (its UTS name, the same inside the network namespaces tests create). */
    String hostName() { return host.readSys("/proc/sys/kernel/hostname").strip(); }

    /** Whether the pid file names a live dnsmasq (not a recycled pid). */
    boolean running() {
        long pid = pid();
        if (pid <= 0) return false;
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                && "dnsmasq".equals(host.readSys("/proc/" + pid + "/comm"));
    }

    /** Starts dnsmasq unless it runs; returns whether it was started now. */
    boolean ensureRunning() {
        if (running()) return false;
        host.must("dnsmasq", "--conf-file=/dev/null", "--pid-file=" + pidFile, "--dhcp-leasefile=" + leaseFile,
                "--log-facility=" + logFile, "--interface=" + bridge, "--bind-interfaces",
                "--listen-address=" + subnet.gateway(),
                "--dhcp-range=" + subnet.poolStart() + "," + subnet.poolEnd() + "," + subnet.netmask() + ",12h",
                "--dhcp-authoritative", "--domain=" + domain, "--local=/" + domain + "/", "--expand-hosts",
                // the host is HOSTNAME.DOMAIN at the bridge address; not the host's /etc/hosts,
                // whose loopback entries (127.0.1.1 HOSTNAME) mean nothing to a guest
                "--no-hosts", "--host-record=" + hostName() + "." + domain + "," + hostName() + "," + subnet.gateway(),
                "--dhcp-option=option:router," + subnet.gateway(), "--dhcp-option=option:dns-server," + subnet.gateway(),
                "--dhcp-option=option:domain-search," + domain);
        // dnsmasq forks; its pid file appears once it is serving
        for (int i = 0; i < 50 && !running(); i++) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!running()) throw new JhyveNet.Failure("dnsmasq did not start; see " + logFile);
        return true;
    }

    void stop() {
        if (running()) {
            ProcessHandle p = ProcessHandle.of(pid()).orElseThrow();
            p.destroy();
            try {
                p.onExit().get(3, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
        for (Path f : List.of(pidFile, leaseFile, logFile)) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    List<Lease> leases() {
        List<Lease> out = new ArrayList<>();
        try {
            if (!Files.exists(leaseFile)) return out;
            for (String line : Files.readAllLines(leaseFile)) {
                String[] w = line.trim().split("\\s+");
                if (w.length >= 4 && !w[0].equals("duid")) out.add(new Lease(Long.parseLong(w[0]), w[1], w[2], w[3]));
            }
        } catch (IOException | NumberFormatException e) {
            throw new JhyveNet.Failure("cannot read " + leaseFile + ": " + e.getMessage());
        }
        return out;
    }
}
