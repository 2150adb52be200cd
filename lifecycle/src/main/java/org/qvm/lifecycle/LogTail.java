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
        return lastLines(List.of(file), count);
    }

    /**
     * The last lines of a log kept in several files, oldest first (the console's
     * {@code console.log.1}, then {@code console.log}): at most {@link #MAX_BYTES} from their end.
     */
    static List<String> lastLines(List<Path> files, int count) {
        byte[] tail = new byte[0];
        for (int i = files.size() - 1; i >= 0 && tail.length < MAX_BYTES; i--) {
            byte[] more = end(files.get(i), MAX_BYTES - tail.length);
            byte[] joined = java.util.Arrays.copyOf(more, more.length + tail.length);
            System.arraycopy(tail, 0, joined, more.length, tail.length);
            tail = joined;
        }
        List<String> lines = Arrays.stream(new String(tail, StandardCharsets.UTF_8).split("\n"))
                .map(UntrustedText::consoleLine).filter(line -> !line.isBlank()).toList();
        return lines.subList(Math.max(0, lines.size() - count), lines.size());
    }

    /** At most {@code limit} bytes from the end of the file; none if it cannot be read. */
    private static byte[] end(Path file, int limit) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            byte[] bytes = new byte[(int) Math.min(length, limit)];
            in.seek(length - bytes.length);
            in.readFully(bytes);
            return bytes;
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
