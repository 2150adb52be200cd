package org.qvm.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UntrustedTextTest {
    @Test
    void escapesControlsAndInvisibleCharactersBecomeUnderscores() {
        assertEquals("_]0;title__[2J_]52;c;eA==_", UntrustedText.forDisplay("\u001b]0;title\u0007\u001b[2J\u001b]52;c;eA==\u0007"));
        assertEquals("C1 _31m", UntrustedText.forDisplay("C1 \u009b31m"));
        assertEquals("a_b_c_d_e_f_g", UntrustedText.forDisplay("a\u202ab\u202ec\u2066d\u2069e\u200bf\u200fg"));
        assertEquals("line_next", UntrustedText.forDisplay("line\nnext"), "one message is one line");
        assertEquals("tab_x", UntrustedText.forDisplay("tab\tx"));
        assertEquals("tab\tx", UntrustedText.consoleLine("tab\tx"), "console text keeps its tabs");
        assertEquals("rtl _ letter", UntrustedText.forDisplay("rtl \u05d0 letter"), "right-to-left letters reorder text");
    }

    @Test
    void ordinaryTextInAnyLeftToRightScriptStays() {
        for (String text : new String[] {"Permission denied", "déjà vu: 42 °C ≤ 50 €", "日本語のファイル", "файл ● ✓"}) {
            assertEquals(text, UntrustedText.forDisplay(text));
        }
    }

    @Test
    void bytesThatAreNotUtf8BecomeUnderscores() {
        byte[] bytes = {'o', 'k', (byte) 0xff, (byte) 0xc3, 0x28, 0x1b};
        assertEquals("ok__(_", UntrustedText.forDisplay(bytes));
        assertEquals("grüße", UntrustedText.consoleLine("grüße".getBytes(StandardCharsets.UTF_8), 7));
    }
}
