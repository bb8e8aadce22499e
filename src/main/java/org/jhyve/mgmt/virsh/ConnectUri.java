package org.jhyve.mgmt.virsh;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The connection URIs jvirsh accepts, libvirt's bhyve ones with the driver named jhyve:
 * jhyve:///system, jhyve+unix:///system and jhyve+ssh://[user@]host[:port]/system, with libvirt's
 * query parameters where they apply: socket (the daemon's socket, local or remote), keyfile,
 * no_verify=1 (no host key check), command (the ssh program), plus jvirsh (the remote jvirsh program).
 */
record ConnectUri(boolean ssh, String user, String host, Integer port, Map<String, String> params) {
    private static final Pattern LOCAL = Pattern.compile("jhyve(\\+unix)?:///system(\\?(.*))?");
    private static final Pattern SSH = Pattern.compile("jhyve\\+ssh://(?:([^@/]+)@)?([^/:@]+)(?::(\\d+))?/system(\\?(.*))?");

    static boolean isValid(String uri) { return parse(uri) != null; }

    /** The URI's parts, or null when it is none of jvirsh's. */
    static ConnectUri parse(String uri) {
        var m = LOCAL.matcher(uri);
        if (m.matches()) return new ConnectUri(false, null, null, null, query(m.group(3)));
        m = SSH.matcher(uri);
        if (m.matches()) {
            return new ConnectUri(true, m.group(1), m.group(2), m.group(3) == null ? null : Integer.valueOf(m.group(3)),
                    query(m.group(5)));
        }
        return null;
    }

    private static Map<String, String> query(String q) {
        var out = new LinkedHashMap<String, String>();
        if (q == null || q.isEmpty()) return out;
        for (var kv : q.split("&")) {
            int eq = kv.indexOf('=');
            var k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            var v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }
}
