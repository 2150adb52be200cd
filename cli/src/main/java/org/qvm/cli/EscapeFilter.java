package org.qvm.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Qubes' --filter-escape-chars: every byte outside 0x20-0x7E except tab, newline, carriage
 * return, backspace and bell becomes '_', so a VM's output cannot drive the host's terminal.
 */
final class EscapeFilter extends FilterOutputStream {
    EscapeFilter(OutputStream out) {
        super(out);
    }

    static boolean allowed(int b) {
        return (b >= 0x20 && b <= 0x7e) || b == '\t' || b == '\n' || b == '\r' || b == '\b' || b == 0x07;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(allowed(b & 0xff) ? b : '_');
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        byte[] clean = new byte[length];
        for (int i = 0; i < length; i++) {
            int b = bytes[offset + i] & 0xff;
            clean[i] = (byte) (allowed(b) ? b : '_');
        }
        out.write(clean, 0, length);
    }
}
