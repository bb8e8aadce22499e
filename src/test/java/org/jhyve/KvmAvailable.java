package org.jhyve;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Integration tests need /dev/kvm. Where it is missing they are skipped — loudly, on stderr and
 * in the test report — never passed silently.
 */
public final class KvmAvailable {
    private KvmAvailable() {}

    public static void require() {
        Path kvm = Path.of("/dev/kvm");
        boolean ok = Files.isReadable(kvm) && Files.isWritable(kvm);
        if (!ok) {
            System.err.println("*** SKIPPED: /dev/kvm is not available to this user; KVM integration tests did not run ***");
        }
        Assumptions.assumeTrue(ok, "SKIPPED: /dev/kvm not available, KVM integration test not run");
    }
}
