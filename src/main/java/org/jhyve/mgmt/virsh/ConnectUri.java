package org.jhyve.mgmt.virsh;

import java.util.regex.Pattern;

/**
 * The connection URIs jvirsh accepts, libvirt's bhyve ones with the driver named jhyve:
 * jhyve:///system, jhyve+unix:///system and jhyve+ssh://[user@]host[:port]/system.
 */
final class ConnectUri {
    private static final Pattern LOCAL = Pattern.compile("jhyve(\\+unix)?:///system(\\?.*)?");
    private static final Pattern SSH = Pattern.compile("jhyve\\+ssh://([^@/]+@)?[^/:@]+(:\\d+)?/system(\\?.*)?");

    private ConnectUri() {}

    static boolean isValid(String uri) { return LOCAL.matcher(uri).matches() || SSH.matcher(uri).matches(); }
}
