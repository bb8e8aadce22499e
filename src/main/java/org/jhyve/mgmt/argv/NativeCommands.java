package org.jhyve.mgmt.argv;

import java.util.List;

/**
 * The command lines that start one domain: the loader (empty when a boot ROM loads the guest),
 * jhyve itself, and for grub-bhyve the device.map text and the file it belongs in (both null
 * otherwise).
 */
public record NativeCommands(List<String> loader, List<String> jhyve, String deviceMap, String deviceMapPath) {
    public NativeCommands {
        loader = List.copyOf(loader);
        jhyve = List.copyOf(jhyve);
    }

    /** What {@code virsh domxml-to-native bhyve-argv} prints: the loader line, if any, then the jhyve line. */
    public String toText() {
        var sb = new StringBuilder();
        if (!loader.isEmpty()) sb.append(ShellWords.join(loader)).append('\n');
        sb.append(ShellWords.join(jhyve)).append('\n');
        return sb.toString();
    }
}
