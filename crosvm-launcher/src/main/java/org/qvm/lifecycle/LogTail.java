package org.qvm.lifecycle;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The end of a log file, read without reading all of it. What is printed of a guest's console is
 * cleaned of control characters, so a guest cannot drive the host's terminal through our errors.
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
                    .map(LogTail::printable).filter(line -> !line.isBlank()).toList();
            return lines.subList(Math.max(0, lines.size() - count), lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    static String printable(String line) {
        StringBuilder clean = new StringBuilder(line.length());
        line.codePoints().forEach(c -> clean.appendCodePoint(c == '\t' || (c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0)) ? c : '_'));
        return clean.toString();
    }
}
