package org.qvm.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlFactory;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A TOML file read into a tree, with the positions of its keys for error messages. */
final class TomlDocument {
    /** Configuration files are small; anything larger is not one. */
    static final long MAX_BYTES = 1024 * 1024;
    /**
     * Jackson's TOML parser without an ObjectMapper: the tree is built from the parser's tokens,
     * which saves most of the start-up time an ObjectMapper costs (every tool reads these files).
     */
    private static final TomlFactory FACTORY = new TomlFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Path file;
    private final ObjectNode root;
    private final TomlKeyLocator locator;

    private TomlDocument(Path file, ObjectNode root, TomlKeyLocator locator) {
        this.file = file;
        this.root = root;
        this.locator = locator;
    }

    Path file() {
        return file;
    }

    ObjectNode root() {
        return root;
    }

    /** Reads and parses a file; on failure records why (with the position of a syntax error) and returns empty. */
    static Optional<TomlDocument> read(Path file, Diagnostics diagnostics) {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                diagnostics.add(new Diagnostic(file, 1, 1, "file is larger than " + MAX_BYTES + " bytes"));
                return Optional.empty();
            }
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (NoSuchFileException e) {
            diagnostics.add(new Diagnostic(file, 1, 1, "no such file"));
            return Optional.empty();
        } catch (CharacterCodingException e) {
            diagnostics.add(new Diagnostic(file, 1, 1, "not valid UTF-8 text"));
            return Optional.empty();
        } catch (IOException e) {
            diagnostics.add(new Diagnostic(file, 1, 1, "cannot read: " + e.getMessage()));
            return Optional.empty();
        }
        return parse(file, text, diagnostics);
    }

    static Optional<TomlDocument> parse(Path file, String text, Diagnostics diagnostics) {
        TomlKeyLocator locator = TomlKeyLocator.scan(text);
        try (JsonParser parser = FACTORY.createParser(text)) {
            JsonNode tree = parser.nextToken() == null ? NODES.objectNode() : node(parser);
            ObjectNode root = tree instanceof ObjectNode object ? object : NODES.objectNode();
            return Optional.of(new TomlDocument(file, root, locator));
        } catch (JsonProcessingException e) {
            diagnostics.add(syntaxError(file, e, locator));
            return Optional.empty();
        } catch (java.io.IOException e) {
            diagnostics.add(new Diagnostic(file, 1, 1, "cannot parse: " + e.getMessage()));
            return Optional.empty();
        }
    }

    /** The value the parser is at, as a tree node (tables become objects, arrays arrays). */
    private static JsonNode node(JsonParser parser) throws java.io.IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    object.set(name, node(parser));
                }
                return object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(node(parser));
                }
                return array;
            }
            case VALUE_STRING -> {
                return NODES.textNode(parser.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (parser.getNumberType()) {
                    case INT -> NODES.numberNode(parser.getIntValue());
                    case LONG -> NODES.numberNode(parser.getLongValue());
                    default -> NODES.numberNode(parser.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(parser.getDoubleValue());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return NODES.booleanNode(token == JsonToken.VALUE_TRUE);
            }
            case VALUE_EMBEDDED_OBJECT -> {
                return NODES.textNode(String.valueOf(parser.getEmbeddedObject()));
            }
            default -> {
                return NODES.nullNode();
            }
        }
    }

    private static Diagnostic syntaxError(Path file, JsonProcessingException e, TomlKeyLocator locator) {
        String reason = e.getOriginalMessage();
        // Jackson places a duplicate key after the line that repeats it; the scan knows the exact place.
        if (reason.startsWith("Duplicate key")) {
            Optional<Map.Entry<List<String>, TomlKeyLocator.Position>> duplicate = locator.firstDuplicate();
            if (duplicate.isPresent()) {
                TomlKeyLocator.Position at = duplicate.get().getValue();
                return new Diagnostic(file, at.line(), at.column(),
                        "TOML syntax error: key '" + keyName(duplicate.get().getKey()) + "' is set twice");
            }
        }
        JsonLocation location = e.getLocation();
        int line = location == null ? 1 : Math.max(1, location.getLineNr());
        int column = location == null ? 1 : Math.max(1, location.getColumnNr());
        return new Diagnostic(file, line, column, "TOML syntax error: " + reason);
    }

    /** A path as a user writes it: keys joined by dots, array positions left out. */
    static String keyName(List<String> path) {
        StringBuilder name = new StringBuilder();
        for (String segment : path) {
            if (segment.startsWith("[")) {
                continue;
            }
            if (!name.isEmpty()) {
                name.append('.');
            }
            name.append(segment);
        }
        return name.toString();
    }

    Diagnostic at(List<String> path, String message) {
        TomlKeyLocator.Position position = locator.find(path);
        return new Diagnostic(file, position.line(), position.column(), message);
    }
}
