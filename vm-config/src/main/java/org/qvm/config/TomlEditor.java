package org.qvm.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Changes one value in a TOML file's text and keeps everything else as the user wrote it
 * (comments, order, spacing): for tools such as {@code qvm-volume resize} that must record what
 * they changed in the VM's definition.
 */
public final class TomlEditor {
    private TomlEditor() {
    }

    /**
     * The text with {@code table.key} set to the string {@code value}: replaced where it is
     * written, added under the table's header, or added with a new table at the end.
     *
     * @throws IllegalArgumentException if the file's form does not allow a safe edit (say, the table is inline)
     */
    public static String setString(String text, String table, String key, String value) {
        String quoted = "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        TomlKeyLocator locator = TomlKeyLocator.scan(text);
        String[] lines = text.split("\n", -1);
        String edited;
        if (locator.contains(List.of(table, key))) {
            TomlKeyLocator.Position at = locator.find(List.of(table, key));
            String line = lines[at.line() - 1];
            int equals = line.indexOf('=', at.column() - 1);
            if (equals < 0) {
                throw new IllegalArgumentException("cannot find the value of '" + table + "." + key + "' to change");
            }
            int start = equals + 1;
            while (start < line.length() && (line.charAt(start) == ' ' || line.charAt(start) == '\t')) {
                start++;
            }
            lines[at.line() - 1] = line.substring(0, start) + quoted + line.substring(valueEnd(line, start));
            edited = String.join("\n", lines);
        } else if (locator.contains(List.of(table))) {
            TomlKeyLocator.Position header = locator.find(List.of(table));
            if (!lines[header.line() - 1].stripLeading().startsWith("[")) {
                throw new IllegalArgumentException("'" + table + "' is not written as a [" + table + "] table; "
                        + "set '" + key + "' in it by hand");
            }
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < lines.length; i++) {
                out.append(lines[i]);
                if (i < lines.length - 1) {
                    out.append('\n');
                }
                if (i == header.line() - 1) {
                    out.append(key).append(" = ").append(quoted).append('\n');
                }
            }
            edited = out.toString();
        } else {
            edited = text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + "\n[" + table + "]\n" + key + " = "
                    + quoted + "\n";
        }
        check(edited, table, key, value);
        return edited;
    }

    /**
     * Sets the value in a file (atomically: a new file is written and moved over it).
     *
     * @return the file's text before, to put back if what the edit was for fails
     */
    public static String updateFile(Path file, String table, String key, String value)
            throws IOException {
        String before = Files.readString(file);
        replaceFile(file, setString(before, table, key, value));
        return before;
    }

    /** Writes the file's text atomically. */
    public static void replaceFile(Path file, String text) throws IOException {
        Path temporary = file.resolveSibling("." + file.getFileName() + ".new");
        Files.writeString(temporary, text);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** Where the value that starts at {@code start} ends: after its closing quote, or at a blank, comma or comment. */
    private static int valueEnd(String line, int start) {
        if (start < line.length() && (line.charAt(start) == '"' || line.charAt(start) == '\'')) {
            char quote = line.charAt(start);
            for (int i = start + 1; i < line.length(); i++) {
                if (quote == '"' && line.charAt(i) == '\\') {
                    i++;
                } else if (line.charAt(i) == quote) {
                    return i + 1;
                }
            }
            return line.length();
        }
        int end = start;
        while (end < line.length() && " \t,}#".indexOf(line.charAt(end)) < 0) {
            end++;
        }
        return end;
    }

    private static void check(String edited, String table, String key, String value) {
        try {
            JsonNode tree = new TomlMapper().readTree(edited);
            if (!value.equals(tree.path(table).path(key).asText(null))) {
                throw new IllegalArgumentException("the edit of '" + table + "." + key + "' did not take; set it by hand");
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the edit of '" + table + "." + key + "' would break the file ("
                    + e.getOriginalMessage() + "); set it by hand");
        }
    }
}
