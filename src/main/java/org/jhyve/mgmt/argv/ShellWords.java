package org.jhyve.mgmt.argv;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Shell-style quoting for printed command lines and the matching split when reading them back:
 * single or double quotes group words, a backslash before a newline continues the line.
 */
public final class ShellWords {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private ShellWords() {}

    public static String quote(String word) {
        if (!word.isEmpty() && SAFE.matcher(word).matches()) return word;
        return "'" + word.replace("'", "'\\''") + "'";
    }

    public static String join(List<String> words) {
        var sb = new StringBuilder();
        for (var w : words) {
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(quote(w));
        }
        return sb.toString();
    }

    /** Joins backslash-continued lines and drops blank ones. */
    public static List<String> logicalLines(String text) {
        var joined = text.replace("\r\n", "\n").replace("\\\n", " ");
        var out = new ArrayList<String>();
        for (var l : joined.split("\n")) if (!l.isBlank()) out.add(l.strip());
        return out;
    }

    /** Splits one line into words; an unterminated quote is an error naming the line. */
    public static List<String> split(String line) {
        var out = new ArrayList<String>();
        var cur = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' || c == '"') {
                int end = line.indexOf(c, i + 1);
                if (end < 0) throw new IllegalArgumentException("unterminated " + c + " quote in: " + line);
                cur.append(line, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) out.add(cur.toString());
                cur.setLength(0);
                inWord = false;
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) out.add(cur.toString());
        return out;
    }
}
