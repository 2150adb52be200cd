package org.qvm.guest.filecopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.qvm.guest.files.Errno;

class NameRulesTest {
    @Test
    void plainRelativeNamesPass() {
        for (String name : List.of("a", "a/b/c.txt", "photos/été 2024.jpg", "日本/ファイル", ".hidden", "a/..b", "...",
                "Ωmega", "файл", "한국어", "a-b_c (1) [2] {3} #4 $5 €6 ~7")) {
            assertEquals(Optional.empty(), NameRules.problem(name), name);
        }
    }

    @Test
    void escapesAndHiddenCharactersAreRefusedWithEilseq() {
        for (String name : List.of("", "/etc/passwd", "a//b", "a/", "..", "a/../b", "./a", "a/.", "bell\u0007", "tab\tname",
                "c1\u0085", "del\u007f", "rtl\u202eexe.txt", "zero\u200bwidth", "isolate\u2066x")) {
            assertEquals(Errno.EILSEQ, NameRules.problem(name).map(NameRules.Problem::errno).orElse(0), name);
        }
        assertEquals(Optional.empty(), NameRules.decode(new byte[] {(byte) 0xc3, 0x28}), "not UTF-8");
    }

    /**
     * Names that pass for other names in a file manager: Qubes' allow-list refuses them, and so do
     * we (about 111,000 code points are allowed, as against Qubes' 116,000; over a million before).
     */
    @Test
    void charactersThatCanPassForOthersAreRefused() {
        int[] refused = {0x00A0, 0x2007, 0x3000, 0x2800, 0x3164, 0x115F, 0xFFA0, 0xFE0F, 0xE0100, 0x0301, 0x20DD,
            0x05D0, 0x0627, 0x0661, 0xE000, 0xF0000, 0x0378, 0xFFFD, 0xFDD0, 0x1F600, 0x00AD, 0xFEFF};
        for (int c : refused) {
            String name = "a" + Character.toString(c) + "b";
            assertEquals(Errno.EILSEQ, NameRules.problem(name).map(NameRules.Problem::errno).orElse(0),
                    String.format("U+%04X", c));
        }
        long allowed = java.util.stream.IntStream.rangeClosed(0, Character.MAX_CODE_POINT)
                .filter(org.qvm.guest.UntrustedText::allowedInName).count();
        assertTrue(allowed > 100_000 && allowed < 120_000, allowed + " code points");
    }

    @Test
    void linksMustStayInsideTheCopiedTree() {
        for (String[] ok : new String[][] {{"a/link", "file"}, {"a/b/link", "../c"}, {"a/b/link", ".."},
                {"a/b/c/link", "../../d/e"}, {"a/link", "./f"}, {"a/link", "sub/"}, {"a/link", "sub//f"},
                {"a/b/link", "./../c"}, {"a/link", "sub/./f"}}) {
            assertEquals(Optional.empty(), NameRules.linkProblem(ok[0], ok[1]), String.join(" -> ", ok));
        }
        for (String[] escaping : new String[][] {{"link", "file"}, {"a/link", "../x"}, {"a/b/link", "../../x"},
                {"a/link", "/etc/passwd"}, {"a/b/link", "c/../../.."}, {"a/link", ""}, {"a/b/link", "c/.."},
                {"a/link", "./.."}}) {
            assertEquals(Errno.ENOLINK, NameRules.linkProblem(escaping[0], escaping[1]).map(NameRules.Problem::errno).orElse(0),
                    String.join(" -> ", escaping));
        }
        assertEquals(Errno.EILSEQ, NameRules.linkProblem("a/link", "x\u202ey").map(NameRules.Problem::errno).orElse(0));
    }
}
