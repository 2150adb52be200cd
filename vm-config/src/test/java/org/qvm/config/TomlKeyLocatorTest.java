package org.qvm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TomlKeyLocatorTest {
    private static TomlKeyLocator.Position at(int line, int column) {
        return new TomlKeyLocator.Position(line, column);
    }

    @Test
    void findsKeysOfTheRootTablesAndArraysOfTables() {
        TomlKeyLocator locator = TomlKeyLocator.scan("""
                label = "green"   # a comment
                  memory = 2048
                [network]
                enabled = true
                [[share]]
                path = "/a"
                [[share]]
                  tag = "b"
                """);
        assertEquals(at(1, 1), locator.find(List.of("label")));
        assertEquals(at(2, 3), locator.find(List.of("memory")));
        assertEquals(at(3, 1), locator.find(List.of("network")));
        assertEquals(at(4, 1), locator.find(List.of("network", "enabled")));
        assertEquals(at(6, 1), locator.find(List.of("share", "[0]", "path")));
        assertEquals(at(8, 3), locator.find(List.of("share", "[1]", "tag")));
        assertEquals(at(7, 1), locator.find(List.of("share", "[1]", "path")), "missing key falls back to its table");
        assertEquals(at(1, 1), locator.find(List.of("nowhere")), "unknown path falls back to the start");
    }

    @Test
    void handlesDottedQuotedAndInlineKeys() {
        TomlKeyLocator locator = TomlKeyLocator.scan("""
                network.address = "10.0.0.7"
                "quoted key" = 1
                private = { size = "10G", other = 'x' }
                """);
        assertEquals(at(1, 1), locator.find(List.of("network", "address")));
        assertEquals(at(1, 1), locator.find(List.of("network")));
        assertEquals(at(2, 1), locator.find(List.of("quoted key")));
        assertEquals(at(3, 13), locator.find(List.of("private", "size")));
        assertEquals(at(3, 27), locator.find(List.of("private", "other")));
    }

    @Test
    void isNotFooledByBracketsAndKeysInsideStringsAndArrays() {
        TomlKeyLocator locator = TomlKeyLocator.scan("""
                params = \"\"\"
                [not.a.table]
                fake = 1
                \"\"\"
                args = [
                  "[also]",
                  'not = a key',
                ]
                real = 2
                """);
        assertTrue(locator.contains(List.of("real")));
        assertEquals(at(9, 1), locator.find(List.of("real")));
        assertFalse(locator.contains(List.of("fake")));
        assertFalse(locator.contains(List.of("not", "a", "table")));
        assertEquals(at(6, 3), locator.find(List.of("args", "[0]")));
        assertEquals(at(7, 3), locator.find(List.of("args", "[1]")));
    }

    @Test
    void reportsTheSecondAssignmentOfADuplicateKey() {
        TomlKeyLocator locator = TomlKeyLocator.scan("a = 1\n[t]\nb = 1\n  b = 2\n");
        var duplicate = locator.firstDuplicate().orElseThrow();
        assertEquals(List.of("t", "b"), duplicate.getKey());
        assertEquals(at(4, 3), duplicate.getValue());
    }

    @Test
    void survivesBrokenText() {
        TomlKeyLocator locator = TomlKeyLocator.scan("= = [[ \"unterminated\n{ x = \n]]] '\nok = 1\n");
        assertEquals(at(4, 1), locator.find(List.of("ok")));
    }
}
