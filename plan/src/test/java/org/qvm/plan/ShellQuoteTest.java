package org.qvm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShellQuoteTest {
    @Test
    void plainWordsStayAsTheyAre() {
        assertEquals("ip", ShellQuote.quote("ip"));
        assertEquals("/run/qvm/dev/crosvm.sock", ShellQuote.quote("/run/qvm/dev/crosvm.sock"));
        assertEquals("tap-name=qvm-dev,mac=aa:bb", ShellQuote.quote("tap-name=qvm-dev,mac=aa:bb"));
    }

    @Test
    void specialCharactersAreSingleQuoted() {
        assertEquals("''", ShellQuote.quote(""));
        assertEquals("'a b'", ShellQuote.quote("a b"));
        assertEquals("'$HOME'", ShellQuote.quote("$HOME"));
        assertEquals("'{ type filter; }'", ShellQuote.quote("{ type filter; }"));
        assertEquals("'it'\\''s'", ShellQuote.quote("it's"));
    }

    @Test
    void joinQuotesEachWord() {
        assertEquals("nft add chain inet qvm 'forward { policy drop; }'",
                ShellQuote.join(List.of("nft", "add", "chain", "inet", "qvm", "forward { policy drop; }")));
    }

    @Test
    void printedLinesSplitBackIntoTheirWords() {
        List<String> words = List.of("qemu", "-append", "console=ttyS0 root=/dev/vda", "it's", "", "a\\b");
        assertEquals(words, org.qvm.testsupport.ShellWords.split(ShellQuote.join(words)));
    }
}
