package org.jhyve.it;

import org.jhyve.KvmAvailable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness must fail, never hang, when jhyve does not do what a test waits for. */
class JhyveProcessTest {
    @Test
    void waitingForALineThatNeverComesFailsWhenOutputEnds() {
        try (JhyveProcess p = JhyveProcess.start(List.of("-h"))) {
            AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> p.awaitStdout("no such line"));
            assertTrue(e.getMessage().contains("did not print a stdout line 'no such line'"), e.getMessage());
            assertTrue(e.getMessage().contains("Usage: jhyve"), "the failure shows what jhyve printed: " + e.getMessage());
        }
    }

    @Test
    void exitStatusAndStreamsAreCaptured() {
        JhyveProcess.Result r = JhyveProcess.run("-m", "12Q", "vm");
        assertEquals(64, r.exitCode());
        assertEquals("", r.stdout());
        assertEquals("jhyve: invalid memsize '12Q'", r.stderr().strip());
    }

    @Tag("kvm")
    @Test
    void aGuestThatRunsTooLongIsKilledAndTheTestFails() {
        KvmAvailable.require();
        try (JhyveProcess p = TestGuest.mode("echo").start()) {
            p.awaitStdout("echo: ready");
            AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> p.await(Duration.ofMillis(300)));
            assertTrue(e.getMessage().contains("ran longer than 300 ms and was killed"), e.getMessage());
            assertTrue(e.getMessage().contains("echo: ready"), e.getMessage());
            assertFalse(p.isAlive(), "jhyve was killed");
        }
    }
}
