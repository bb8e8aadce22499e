package org.jhyve.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * -k file: bhyve's "simple config file". Each line is name=value with nothing around the '='
 * (spaces are part of the name or value, as in bhyve); lines starting with '#' and empty lines are
 * skipped; the value must not be empty. Lines end at '\n' only, so a '\r' stays in the value.
 * Errors are fatal (exit 4) and name the file and the line.
 */
public final class ConfigFile {
    private ConfigFile() {}

    public static void load(ConfigTree tree, Path file) {
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("Failed to open configuration file " + file + ": No such file or directory", e);
        } catch (IOException e) {
            throw new ConfigException("Failed to open configuration file " + file + ": " + e.getMessage(), e);
        }
        int lineno = 1;
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            String line = nl < 0 ? text.substring(start) : text.substring(start, nl);
            start = nl < 0 ? text.length() : nl + 1;
            if (!line.isEmpty() && line.charAt(0) != '#' && !BhyveOptions.setOption(tree, line)) {
                throw new ConfigException(file + " line " + lineno + ": invalid config option '" + line + "'");
            }
            lineno++;
        }
    }
}
