package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * jhyved, the management daemon: runs in the foreground (systemd runs it as a simple service),
 * logs to stderr, holds RUN_DIR/jhyved.lock so that two daemons never manage the same VMs, and on
 * SIGTERM/SIGINT stops listening but leaves the VMs running for the next daemon to re-attach.
 */
public final class Jhyved {
    private Jhyved() {}

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("-h") || Arrays.asList(args).contains("--help")) {
            System.out.print(DaemonConfig.usage());
            return;
        }
        DaemonConfig cfg;
        try {
            cfg = DaemonConfig.parse(Arrays.asList(args), System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("jhyved: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(cfg));
    }

    static int run(DaemonConfig cfg) throws IOException, InterruptedException {
        Files.createDirectories(cfg.runDir());
        try (var lockFile = FileChannel.open(cfg.runDir().resolve("jhyved.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); var lock = lockFile.tryLock()) {
            if (lock == null) {
                System.err.println("jhyved: another jhyved manages " + cfg.runDir());
                return 1;
            }
            var stop = new CountDownLatch(1);
            for (var sig : new String[] {"TERM", "INT"}) Signal.handle(new Signal(sig), s -> stop.countDown());
            try (var daemon = Daemon.open(cfg, m -> System.err.println("jhyved: " + m));
                 var server = Server.start(daemon, cfg.socket(), m -> System.err.println("jhyved: " + m))) {
                System.err.println("jhyved: listening on " + cfg.socket());
                stop.await();
                System.err.println("jhyved: stopping; running domains keep running");
            }
            return 0;
        } catch (IOException e) {
            System.err.println("jhyved: " + e.getMessage());
            return 1;
        }
    }
}
