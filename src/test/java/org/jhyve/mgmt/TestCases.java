package org.jhyve.mgmt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the case files under src/test/resources/org/jhyve/mgmt/DIR. */
public final class TestCases {
    private TestCases() {}

    public static Path dir(String name) {
        try {
            var url = TestCases.class.getResource("/org/jhyve/mgmt/" + name);
            if (url == null) throw new IllegalStateException("no test case directory " + name);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The case names (file names without extension) of all files in dir with the extension. */
    public static List<String> names(String dir, String ext) {
        if (TestCases.class.getResource("/org/jhyve/mgmt/" + dir) == null) return List.of();
        try (Stream<Path> s = Files.list(dir(dir))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(ext))
                    .map(n -> n.substring(0, n.length() - ext.length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String read(String dir, String file) {
        try {
            return Files.readString(dir(dir).resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean exists(String dir, String file) { return Files.exists(dir(dir).resolve(file)); }
}
