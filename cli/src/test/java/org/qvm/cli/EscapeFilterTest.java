package org.qvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EscapeFilterTest {
    @Test
    void controlBytesBecomeUnderscoresAndTextStays() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (EscapeFilter filter = new EscapeFilter(out)) {
            filter.write("plain text\ttab\r\n".getBytes(StandardCharsets.US_ASCII));
            filter.write("\033]0;owned\007\033[2J".getBytes(StandardCharsets.US_ASCII));
            filter.write("é".getBytes(StandardCharsets.UTF_8));
            filter.write(0x9b);
            filter.write('\b');
        }
        assertEquals("plain text\ttab\r\n_]0;owned\007_[2J___\b", out.toString(StandardCharsets.ISO_8859_1));
    }
}
