package org.qvm.guest.filecopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NameRulesTest {
    @Test
    void plainRelativeNamesPass() {
        for (String name : List.of("a", "a/b/c.txt", "photos/été 2024.jpg", "日本/ファイル", ".hidden", "a/..b", "...")) {
            assertEquals(Optional.empty(), NameRules.problem(name), name);
        }
    }

    @Test
    void escapesAndHiddenCharactersAreRefused() {
        for (String name : List.of("", "/etc/passwd", "a//b", "a/", "..", "a/../b", "./a", "a/.", "bell\u0007", "tab\tname",
                "c1\u0085", "del\u007f", "rtl\u202eexe.txt", "zero\u200bwidth", "isolate\u2066x")) {
            assertTrue(NameRules.problem(name).isPresent(), name);
        }
        assertEquals(Optional.empty(), NameRules.decode(new byte[] {(byte) 0xc3, 0x28}), "not UTF-8");
    }

    @Test
    void linksMustStayInsideTheCopiedTree() {
        assertEquals(Optional.empty(), NameRules.linkProblem("a/link", "file"));
        assertEquals(Optional.empty(), NameRules.linkProblem("a/b/link", "../c"));
        assertEquals(Optional.empty(), NameRules.linkProblem("a/b/link", ".."));
        assertEquals(Optional.empty(), NameRules.linkProblem("a/b/c/link", "../../d/e"));
        assertTrue(NameRules.linkProblem("link", "file").isPresent(), "a top-level link");
        assertTrue(NameRules.linkProblem("a/link", "../x").isPresent(), "points beside the tree");
        assertTrue(NameRules.linkProblem("a/b/link", "../../x").isPresent());
        assertTrue(NameRules.linkProblem("a/link", "/etc/passwd").isPresent());
        assertTrue(NameRules.linkProblem("a/b/link", "c/../../..").isPresent(), "'..' after a name");
        assertTrue(NameRules.linkProblem("a/link", "").isPresent());
        assertTrue(NameRules.linkProblem("a/link", "x//y").isPresent());
    }
}
