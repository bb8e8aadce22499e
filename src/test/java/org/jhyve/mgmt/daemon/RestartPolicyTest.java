package org.jhyve.mgmt.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jhyve.mgmt.daemon.RestartPolicy.Decision;
import org.jhyve.mgmt.daemon.RestartPolicy.Exited;
import org.jhyve.mgmt.daemon.RestartPolicy.Killed;
import org.jhyve.mgmt.daemon.RestartPolicy.Reason;
import org.jhyve.mgmt.daemon.RestartPolicy.State;
import org.jhyve.mgmt.xml.Domain;
import org.jhyve.mgmt.xml.DomainXmlParser;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {
    private static Domain domain(String lifecycle) throws Exception {
        return DomainXmlParser.parse("<domain type='bhyve'><name>g</name><memory>1024</memory>" + lifecycle + "</domain>");
    }

    @Test
    void defaultsRestartOnRebootOnly() throws Exception {
        var d = domain("");
        assertEquals(new Decision(true, State.SHUTOFF, Reason.SHUTDOWN), RestartPolicy.decide(d, new Exited(0), false));
        assertEquals(new Decision(false, State.SHUTOFF, Reason.SHUTDOWN), RestartPolicy.decide(d, new Exited(1), false));
        assertEquals(new Decision(false, State.SHUTOFF, Reason.SHUTDOWN), RestartPolicy.decide(d, new Exited(2), false));
        assertEquals(new Decision(false, State.SHUTOFF, Reason.UNKNOWN), RestartPolicy.decide(d, new Exited(3), false));
        assertEquals(new Decision(false, State.SHUTOFF, Reason.FAILED), RestartPolicy.decide(d, new Exited(4), false));
        assertEquals(new Decision(false, State.CRASHED, Reason.CRASHED), RestartPolicy.decide(d, new Killed(11), false));
    }

    @Test
    void lifecycleElementsChangeTheAction() throws Exception {
        var d = domain("<on_poweroff>restart</on_poweroff><on_reboot>destroy</on_reboot><on_crash>restart</on_crash>");
        assertEquals(false, RestartPolicy.decide(d, new Exited(0), false).restart());
        assertEquals(true, RestartPolicy.decide(d, new Exited(1), false).restart());
        assertEquals(true, RestartPolicy.decide(d, new Killed(9), false).restart());
    }

    @Test
    void destroyIsNeverRestarted() throws Exception {
        var d = domain("<on_crash>restart</on_crash>");
        assertEquals(new Decision(false, State.SHUTOFF, Reason.DESTROYED), RestartPolicy.decide(d, new Killed(9), true));
    }
}
