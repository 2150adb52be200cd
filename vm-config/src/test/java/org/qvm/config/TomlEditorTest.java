package org.qvm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TomlEditorTest {
    @Test
    void replacesTheValueWhereItIsAndKeepsCommentsAndLayout() {
        String before = "# dev\nlabel = \"blue\"\n\n[private]   # its volume\nsize   =  \"40G\"   # grows only\n[network]\n";
        assertEquals("# dev\nlabel = \"blue\"\n\n[private]   # its volume\nsize   =  \"50G\"   # grows only\n[network]\n",
                TomlEditor.setString(before, "private", "size", "50G"));
        assertEquals("private.size = \"2G\" # dotted\n", TomlEditor.setString("private.size = 1024 # dotted\n", "private", "size", "2G"));
    }

    @Test
    void addsTheKeyUnderAnExistingHeaderOrWithANewTable() {
        assertEquals("label = \"red\"\n[private]\nsize = \"8G\"\n# nothing else\n[network]\n",
                TomlEditor.setString("label = \"red\"\n[private]\n# nothing else\n[network]\n", "private", "size", "8G"));
        assertEquals("label = \"red\"\n\n[private]\nsize = \"8G\"\n", TomlEditor.setString("label = \"red\"", "private", "size", "8G"));
        assertEquals("\n[private]\nsize = \"8G\"\n", TomlEditor.setString("", "private", "size", "8G"));
    }

    @Test
    void refusesFormsItCannotEditSafely() {
        assertThrows(IllegalArgumentException.class,
                () -> TomlEditor.setString("private = { other = 1 }\n", "private", "size", "8G"));
    }
}
