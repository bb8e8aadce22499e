package org.jhyve.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What jhyve-net set up for one network, kept in STATE_DIR/NAME.net as name=value lines so that
 * a later run can check, extend or undo it: the kind, the uplink and what moved from it, the
 * subnet and domain, the NAT flavour, and the taps it created itself.
 */
record NetworkState(String name, Map<String, String> values) {
    static final String SUFFIX = ".net";

    static Path file(Path dir, String name) { return dir.resolve(name + SUFFIX); }

    static NetworkState load(Path dir, String name) {
        Path f = file(dir, name);
        if (!Files.exists(f)) return null;
        Map<String, String> v = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(f)) {
                int eq = line.indexOf('=');
                if (eq > 0) v.put(line.substring(0, eq), line.substring(eq + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
        }
        return new NetworkState(name, v);
    }

    static List<String> names(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(SUFFIX))
                    .map(n -> n.substring(0, n.length() - SUFFIX.length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void save(Path dir) {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        try {
            Files.createDirectories(dir);
            Path tmp = file(dir, name + ".tmp");
            Files.writeString(tmp, sb);
            Files.move(tmp, file(dir, name), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the state of " + name + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    void delete(Path dir) {
        try {
            Files.deleteIfExists(file(dir, name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String get(String key) { return values.get(key); }

    /** A list value (items separated by ';'). */
    List<String> list(String key) {
        String v = values.get(key);
        if (v == null || v.isEmpty()) return new ArrayList<>();
        return new ArrayList<>(List.of(v.split(";")));
    }

    void put(String key, String value) { values.put(key, value); }

    void putList(String key, List<String> items) { values.put(key, String.join(";", items)); }
}
