package org.qvm.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds where each key of a TOML document is written. Jackson's TOML reader reports positions
 * only for syntax errors and its tree keeps none, so validation messages get their
 * {@code LINE:COLUMN} from here. A path is the list of keys from the root; an element of an
 * array (of tables or of values) is the segment {@code [i]}. The scan never fails: on text it does
 * not understand it moves on, and a path it did not see falls back to its nearest recorded parent.
 */
final class TomlKeyLocator {
    /** A 1-based line and column. */
    record Position(int line, int column) {
        static final Position START = new Position(1, 1);
    }

    private final Map<List<String>, Position> positions = new HashMap<>();
    private final Set<List<String>> assigned = new HashSet<>();
    private final Map<List<String>, Integer> arrayTableCounts = new HashMap<>();
    private List<String> firstDuplicate;
    private Position duplicatePosition;

    private final String text;
    private int at;
    private int line = 1;
    private int lineStart;

    private TomlKeyLocator(String text) {
        this.text = text;
    }

    static TomlKeyLocator scan(String text) {
        TomlKeyLocator locator = new TomlKeyLocator(text);
        locator.document();
        return locator;
    }

    static String index(int i) {
        return "[" + i + "]";
    }

    /** Where the key at {@code path} is written, or its nearest written parent, or the file's start. */
    Position find(List<String> path) {
        for (int length = path.size(); length > 0; length--) {
            Position found = positions.get(path.subList(0, length));
            if (found != null) {
                return found;
            }
        }
        return Position.START;
    }

    /** Whether the key at {@code path} itself (not only a parent) is written in the document. */
    boolean contains(List<String> path) {
        return positions.containsKey(path);
    }

    /** The first key that is assigned twice, if any, with the position of its second assignment. */
    Optional<Map.Entry<List<String>, Position>> firstDuplicate() {
        return Optional.ofNullable(firstDuplicate).map(path -> Map.entry(path, duplicatePosition));
    }

    // ---- scanning ----

    private boolean more() {
        return at < text.length();
    }

    private char peek(int ahead) {
        int index = at + ahead;
        return index < text.length() ? text.charAt(index) : '\0';
    }

    private void advance() {
        if (text.charAt(at) == '\n') {
            line++;
            lineStart = at + 1;
        }
        at++;
    }

    private Position here() {
        return new Position(line, at - lineStart + 1);
    }

    private void skipBlanks() {
        while (more() && (peek(0) == ' ' || peek(0) == '\t')) {
            advance();
        }
    }

    private void skipBlanksNewlinesAndComments() {
        while (more()) {
            char c = peek(0);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                advance();
            } else if (c == '#') {
                skipRestOfLine();
            } else {
                return;
            }
        }
    }

    private void skipRestOfLine() {
        while (more() && peek(0) != '\n') {
            advance();
        }
    }

    private void document() {
        List<String> table = List.of();
        while (true) {
            skipBlanksNewlinesAndComments();
            if (!more()) {
                return;
            }
            if (peek(0) == '[') {
                table = header();
            } else {
                int before = at;
                keyValue(table);
                if (at == before) {
                    advance();
                }
            }
            skipRestOfLine();
        }
    }

    private List<String> header() {
        Position position = here();
        boolean arrayOfTables = peek(1) == '[';
        advance();
        if (arrayOfTables) {
            advance();
        }
        List<String> keys = key();
        List<String> resolved = resolveThroughArrays(keys.subList(0, Math.max(0, keys.size() - 1)));
        if (!keys.isEmpty()) {
            resolved.add(keys.get(keys.size() - 1));
        }
        if (arrayOfTables) {
            record(List.copyOf(resolved), position);
            int count = arrayTableCounts.merge(List.copyOf(resolved), 1, Integer::sum);
            resolved.add(index(count - 1));
        }
        record(List.copyOf(resolved), position);
        return List.copyOf(resolved);
    }

    /** Dotted keys of a header, each followed by the current element's index where it names an array of tables. */
    private List<String> resolveThroughArrays(List<String> keys) {
        List<String> resolved = new ArrayList<>();
        for (String key : keys) {
            resolved.add(key);
            Integer count = arrayTableCounts.get(resolved);
            if (count != null) {
                resolved.add(index(count - 1));
            }
        }
        return resolved;
    }

    private void keyValue(List<String> table) {
        Position position = here();
        List<String> keys = key();
        if (keys.isEmpty()) {
            return;
        }
        List<String> path = new ArrayList<>(table);
        for (String key : keys) {
            path.add(key);
            record(List.copyOf(path), position);
        }
        List<String> full = List.copyOf(path);
        if (!assigned.add(full) && firstDuplicate == null) {
            firstDuplicate = full;
            duplicatePosition = position;
        }
        skipBlanks();
        if (peek(0) == '=') {
            advance();
            skipBlanks();
            value(full);
        }
    }

    private void record(List<String> path, Position position) {
        positions.putIfAbsent(path, position);
    }

    private List<String> key() {
        List<String> keys = new ArrayList<>();
        while (more()) {
            skipBlanks();
            char c = peek(0);
            if (c == '"') {
                keys.add(basicString());
            } else if (c == '\'') {
                keys.add(literalString());
            } else {
                StringBuilder bare = new StringBuilder();
                while (more() && (Character.isLetterOrDigit(peek(0)) || peek(0) == '_' || peek(0) == '-')) {
                    bare.append(peek(0));
                    advance();
                }
                if (bare.isEmpty()) {
                    return keys;
                }
                keys.add(bare.toString());
            }
            skipBlanks();
            if (peek(0) != '.') {
                return keys;
            }
            advance();
        }
        return keys;
    }

    private void value(List<String> path) {
        char c = peek(0);
        if (c == '"' || c == '\'') {
            string();
        } else if (c == '[') {
            advance();
            int element = 0;
            while (true) {
                skipBlanksNewlinesAndComments();
                if (!more() || peek(0) == ']') {
                    break;
                }
                List<String> elementPath = new ArrayList<>(path);
                elementPath.add(index(element++));
                record(List.copyOf(elementPath), here());
                int before = at;
                value(elementPath);
                skipBlanksNewlinesAndComments();
                if (peek(0) == ',') {
                    advance();
                } else if (at == before && more() && peek(0) != ']') {
                    advance();
                }
            }
            if (more()) {
                advance();
            }
        } else if (c == '{') {
            advance();
            while (true) {
                skipBlanks();
                if (!more() || peek(0) == '}' || peek(0) == '\n') {
                    break;
                }
                int before = at;
                keyValue(path);
                skipBlanks();
                if (peek(0) == ',') {
                    advance();
                } else if (at == before) {
                    advance();
                }
            }
            if (peek(0) == '}') {
                advance();
            }
        } else {
            while (more() && ",]}\n#".indexOf(peek(0)) < 0) {
                advance();
            }
        }
    }

    private void string() {
        char quote = peek(0);
        if (peek(1) == quote && peek(2) == quote) {
            advance();
            advance();
            advance();
            while (more() && !(peek(0) == quote && peek(1) == quote && peek(2) == quote)) {
                if (quote == '"' && peek(0) == '\\') {
                    advance();
                }
                if (more()) {
                    advance();
                }
            }
            // A closing delimiter may be followed by up to two more quotes that belong to the content.
            while (more() && peek(0) == quote) {
                advance();
            }
        } else if (quote == '"') {
            basicString();
        } else {
            literalString();
        }
    }

    private String basicString() {
        StringBuilder content = new StringBuilder();
        advance();
        while (more() && peek(0) != '"' && peek(0) != '\n') {
            char c = peek(0);
            if (c == '\\' && at + 1 < text.length()) {
                advance();
                content.append(unescape(peek(0)));
            } else {
                content.append(c);
            }
            advance();
        }
        if (peek(0) == '"') {
            advance();
        }
        return content.toString();
    }

    private static char unescape(char c) {
        return switch (c) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            default -> c;
        };
    }

    private String literalString() {
        StringBuilder content = new StringBuilder();
        advance();
        while (more() && peek(0) != '\'' && peek(0) != '\n') {
            content.append(peek(0));
            advance();
        }
        if (peek(0) == '\'') {
            advance();
        }
        return content.toString();
    }
}
