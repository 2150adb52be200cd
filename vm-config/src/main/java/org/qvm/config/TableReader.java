package org.qvm.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads one TOML table with typed getters. Every getter declares its key as known, so after the
 * reading code has asked for everything it understands, {@link #finish()} reports the keys that
 * nobody asked for, with a suggestion. A value of the wrong type or form is reported (with the
 * key's position) and read as absent, so that one run finds every problem.
 */
final class TableReader {
    private final TomlDocument document;
    private final ObjectNode table;
    private final List<String> path;
    private final Diagnostics diagnostics;
    private final Set<String> known = new LinkedHashSet<>();

    TableReader(TomlDocument document, ObjectNode table, List<String> path, Diagnostics diagnostics) {
        this.document = document;
        this.table = table;
        this.path = List.copyOf(path);
        this.diagnostics = diagnostics;
    }

    static TableReader root(TomlDocument document, Diagnostics diagnostics) {
        return new TableReader(document, document.root(), List.of(), diagnostics);
    }

    TomlDocument document() {
        return document;
    }

    List<String> pathOf(String key) {
        List<String> full = new ArrayList<>(path);
        full.add(key);
        return full;
    }

    /** The key as the user wrote it, with its tables: {@code network.address}. */
    String name(String key) {
        return TomlDocument.keyName(pathOf(key));
    }

    /** Whether the key is present (and declares it known). */
    boolean has(String key) {
        known.add(key);
        return table.has(key);
    }

    void error(String key, String message) {
        diagnostics.add(document.at(pathOf(key), message));
    }

    /** Reports a problem with this table itself (at its header, or the file's start for the root). */
    /** The line this table starts on (its {@code [header]}), for messages that point at the table. */
    int line() {
        return document.at(path, "").line();
    }

    void tableError(String message) {
        diagnostics.add(document.at(path, message));
    }

    /** The value as it is, of whatever type (and declares the key known). */
    Optional<JsonNode> raw(String key) {
        known.add(key);
        return Optional.ofNullable(table.get(key));
    }

    private Optional<JsonNode> value(String key, String expected, Function<JsonNode, Boolean> isRightType) {
        known.add(key);
        JsonNode node = table.get(key);
        if (node == null) {
            return Optional.empty();
        }
        if (!isRightType.apply(node)) {
            error(key, "'" + name(key) + "' must be " + expected + ", not " + describe(node));
            return Optional.empty();
        }
        return Optional.of(node);
    }

    Optional<String> string(String key) {
        return value(key, "a string", JsonNode::isTextual).map(JsonNode::textValue);
    }

    Optional<Boolean> bool(String key) {
        return value(key, "true or false", JsonNode::isBoolean).map(JsonNode::booleanValue);
    }

    /** An integer within [min, max]. */
    Optional<Long> integer(String key, long min, long max) {
        Optional<JsonNode> node = value(key, "an integer", JsonNode::isIntegralNumber);
        if (node.isEmpty()) {
            return Optional.empty();
        }
        if (!node.get().canConvertToLong() || node.get().longValue() < min || node.get().longValue() > max) {
            error(key, "'" + name(key) + "' must be between " + min + " and " + max + ", not " + node.get().asText());
            return Optional.empty();
        }
        return Optional.of(node.get().longValue());
    }

    /** A string turned into a value by {@code parser}; its IllegalArgumentException becomes the message. */
    <T> Optional<T> parsed(String key, Function<String, T> parser) {
        return string(key).flatMap(text -> convert(key, text, parser));
    }

    <T> Optional<T> convert(String key, String text, Function<String, T> parser) {
        try {
            return Optional.of(parser.apply(text));
        } catch (IllegalArgumentException e) {
            error(key, "'" + name(key) + "': " + e.getMessage());
            return Optional.empty();
        }
    }

    /** An array of strings, each turned into a value by {@code parser}. */
    <T> Optional<List<T>> list(String key, Function<String, T> parser) {
        Optional<JsonNode> node = value(key, "an array of strings", JsonNode::isArray);
        if (node.isEmpty()) {
            return Optional.empty();
        }
        List<T> values = new ArrayList<>();
        boolean ok = true;
        int index = 0;
        for (JsonNode element : node.get()) {
            List<String> elementPath = pathOf(key);
            elementPath.add(TomlKeyLocator.index(index++));
            if (!element.isTextual()) {
                diagnostics.add(document.at(elementPath, "'" + name(key) + "' must hold only strings, not "
                        + describe(element)));
                ok = false;
                continue;
            }
            try {
                values.add(parser.apply(element.textValue()));
            } catch (IllegalArgumentException e) {
                diagnostics.add(document.at(elementPath, "'" + name(key) + "': " + e.getMessage()));
                ok = false;
            }
        }
        return ok ? Optional.of(values) : Optional.empty();
    }

    Optional<TableReader> table(String key) {
        return value(key, "a table", JsonNode::isObject)
                .map(node -> new TableReader(document, (ObjectNode) node, pathOf(key), diagnostics));
    }

    /** An array of tables ({@code [[key]]}); absent is an empty list. */
    List<TableReader> tables(String key) {
        Optional<JsonNode> node = value(key, "an array of tables ([[" + name(key) + "]])", JsonNode::isArray);
        List<TableReader> readers = new ArrayList<>();
        if (node.isEmpty()) {
            return readers;
        }
        int index = 0;
        for (JsonNode element : node.get()) {
            List<String> elementPath = pathOf(key);
            elementPath.add(TomlKeyLocator.index(index++));
            if (element.isObject()) {
                readers.add(new TableReader(document, (ObjectNode) element, elementPath, diagnostics));
            } else {
                diagnostics.add(document.at(elementPath, "'" + name(key) + "' must hold tables, not " + describe(element)));
            }
        }
        return readers;
    }

    /** Reports every key of this table that no getter asked for. */
    void finish() {
        for (Iterator<String> keys = table.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!known.contains(key)) {
                String hint = Suggestion.closest(key, known).map(s -> " (did you mean '" + s + "'?)").orElse("");
                error(key, "unknown key '" + name(key) + "'" + hint);
            }
        }
    }

    static String describe(JsonNode node) {
        if (node.isTextual()) {
            return "the string \"" + node.textValue() + "\"";
        }
        if (node.isBoolean()) {
            return "the boolean " + node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return "the integer " + node.asText();
        }
        if (node.isNumber()) {
            return "the number " + node.asText();
        }
        if (node.isArray()) {
            return "an array";
        }
        if (node.isObject()) {
            return "a table";
        }
        return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}
