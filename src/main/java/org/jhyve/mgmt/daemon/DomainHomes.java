package org.jhyve.mgmt.daemon;

import org.jhyve.ctl.ControlClient;
import org.jhyve.ctl.ControlException;
import org.jhyve.home.HomeException;
import org.jhyve.home.HomeState;
import org.jhyve.home.VmHome;
import org.jhyve.home.VmHomes;

/**
 * The daemon's view of its domains' VM homes (docs/linux-boot.md): a jhyve that ended leaves
 * its home behind (stopped, or stale when it was killed), and a stale home refuses the next
 * start. The daemon removes such leftovers itself, as libvirt's bhyve driver runs
 * {@code bhyvectl --destroy} after every run; it works on the homes directly (the same code as
 * {@code jhyvectl --destroy}) rather than paying a JVM start per VM end.
 */
final class DomainHomes {
    private final VmHomes homes;

    DomainHomes(VmHomes homes) { this.homes = homes; }

    /** The homes of the daemon's environment: JHYVE_VMM_DIR and JHYVE_SHM_DIR, as the jhyve it starts sees them. */
    static DomainHomes fromEnvironment() { return new DomainHomes(VmHomes.fromEnvironment()); }

    /** Refuses a domain name that cannot name a VM home (jhyve would refuse it at every start). */
    static void checkName(String name) throws DaemonException {
        try {
            VmHomes.checkName(name);
        } catch (HomeException e) {
            throw new DaemonException("unsupported configuration: " + e.getMessage());
        }
    }

    /**
     * Removes what an ended run of domain {@code name} left: a loaded, stopped or stale home with
     * its guest RAM file. Returns a line for the domain's log, or null when there was no home.
     * A home that a live process owns (a jhyve or jhyveload the daemon did not start) is not
     * touched: that is an error.
     */
    String removeLeftover(String name) throws DaemonException {
        try {
            VmHome home = homes.home(name);
            var st = home.status();
            if (st.isEmpty()) return null;
            var s = st.get();
            if (s.state() == HomeState.RUNNING || s.state() == HomeState.LOADING) {
                throw new DaemonException("operation failed: VM '" + name + "' is in use by " + s.program() + " (pid "
                        + s.pid() + "), which this daemon did not start; end it with jhyvectl --vm=" + name + " --destroy");
            }
            home.acquire("jhyved", false, true).destroy();
            return "removed the VM home " + home.dir() + " (" + s.state().word
                    + (s.pid() != 0 ? ", left by " + s.program() + " pid " + s.pid() : "") + ")";
        } catch (HomeException e) {
            throw new DaemonException("operation failed: cannot remove the VM home of '" + name + "': " + e.getMessage());
        }
    }

    /** jhyvectl --force-reset: the running jhyve of domain {@code name} exits 0, as on a guest reset. */
    void forceReset(String name) throws DaemonException {
        try {
            var home = homes.home(name);
            ControlClient.call(home.socket(), "reset");
        } catch (ControlException | HomeException e) {
            throw new DaemonException("operation failed: cannot reset domain '" + name + "': " + e.getMessage());
        }
    }
}
