package org.qvm.lifecycle;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.qvm.guest.UntrustedText;

/**
 * The end of a log file, read without reading all of it. What is printed of a guest's console goes
 * through {@link UntrustedText}: no control character, escape sequence, bidi override or
 * zero-width character of a guest reaches the host's terminal through our errors.
 */
final class LogTail {
    static final int MAX_BYTES = 8192;

    private LogTail() {
    }

    static List<String> lastLines(Path file, int count) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int size = (int) Math.min(length, MAX_BYTES);
            byte[] bytes = new byte[size];
            in.seek(length - size);
            in.readFully(bytes);
            List<String> lines = Arrays.stream(new String(bytes, StandardCharsets.UTF_8).split("\n"))
                    .map(UntrustedText::consoleLine).filter(line -> !line.isBlank()).toList();
            return lines.subList(Math.max(0, lines.size() - count), lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }
}
