package org.jhyve.mgmt.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jhyve.mgmt.xml.Domain;
import org.jhyve.mgmt.xml.DomainXmlException;
import org.jhyve.mgmt.xml.DomainXmlParser;
import org.jhyve.mgmt.xml.DomainXmlWriter;

/**
 * Persistent domain definitions: one canonical XML file per domain in a directory, plus an empty
 * marker file per autostart domain. Files are replaced atomically (write, then rename), so a crash
 * never leaves half a definition.
 */
final class DefinitionStore {
    private final Path domains, autostart;
    private final Map<String, Domain> byName = new TreeMap<>();

    DefinitionStore(Path domains, Path autostart) {
        this.domains = domains;
        this.autostart = autostart;
    }

    /** Reads every NAME.xml; a file that no longer parses is reported and skipped, not deleted. */
    List<String> load() throws IOException {
        Files.createDirectories(domains);
        Files.createDirectories(autostart);
        var problems = new ArrayList<String>();
        try (var files = Files.list(domains)) {
            for (var f : files.filter(p -> p.getFileName().toString().endsWith(".xml")).sorted().toList()) {
                try {
                    var d = DomainXmlParser.parse(Files.readString(f));
                    var expected = f.getFileName().toString().replaceFirst("\\.xml$", "");
                    if (!d.name().equals(expected)) {
                        problems.add(f + ": holds domain '" + d.name() + "', expected '" + expected + "'");
                        continue;
                    }
                    byName.put(d.name(), d);
                } catch (DomainXmlException e) {
                    problems.add(f + ": " + e.getMessage());
                }
            }
        }
        return problems;
    }

    synchronized Domain get(String name) { return byName.get(name); }

    synchronized List<Domain> all() { return List.copyOf(byName.values()); }

    synchronized void put(Domain d) {
        writeAtomically(domains.resolve(d.name() + ".xml"), DomainXmlWriter.write(d));
        byName.put(d.name(), d);
    }

    synchronized void remove(String name) {
        try {
            Files.deleteIfExists(domains.resolve(name + ".xml"));
            Files.deleteIfExists(autostart.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the definition of domain '" + name + "'", e);
        }
        byName.remove(name);
    }

    boolean autostart(String name) { return Files.exists(autostart.resolve(name)); }

    void setAutostart(String name, boolean on) {
        try {
            if (on) {
                if (!Files.exists(autostart.resolve(name))) Files.createFile(autostart.resolve(name));
            } else {
                Files.deleteIfExists(autostart.resolve(name));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot change the autostart mark of domain '" + name + "'", e);
        }
    }

    static void writeAtomically(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            var tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
