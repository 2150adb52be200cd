package org.qvm.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console log against a guest that writes far more than it keeps, through a real FIFO. */
class ConsoleLogTest {
    @TempDir
    Path dir;

    private Path fifo() throws Exception {
        Path fifo = dir.resolve("console.pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", "-m", "0600", fifo.toString()).start().waitFor());
        return fifo;
    }

    @Test
    void aFloodingGuestKeepsOnlyTheLastOneToTwoMebibytes() throws Exception {
        Path fifo = fifo();
        Path log = dir.resolve("console.log");
        Thread keeper = new ConsoleLog(fifo, log).startThread();
        int lines = 40_000;
        try (OutputStream console = Files.newOutputStream(fifo)) {
            for (int i = 0; i < lines; i++) {
                console.write(String.format("%08d %s%n", i, "y".repeat(119)).getBytes(StandardCharsets.US_ASCII));
            }
        }
        keeper.join(60_000);
        assertFalse(keeper.isAlive(), "the keeper ends when the writer has gone");
        Path previous = dir.resolve("console.log.1");
        long kept = Files.size(log) + Files.size(previous);
        assertTrue(Files.size(log) <= ConsoleLog.ROTATE_AT && Files.size(previous) <= ConsoleLog.ROTATE_AT, kept + " bytes");
        assertTrue(kept > ConsoleLog.ROTATE_AT, "at least the last 1 MiB is kept: " + kept);
        List<String> all = new java.util.ArrayList<>(Files.readAllLines(previous));
        all.addAll(Files.readAllLines(log));
        assertEquals(String.format("%08d", lines - 1), all.get(all.size() - 1).substring(0, 8), "the newest line is kept");
        int first = Integer.parseInt(all.get(0).substring(0, 8));
        for (int i = 0; i < all.size(); i++) {
            assertEquals(String.format("%08d", first + i), all.get(i).substring(0, 8), "no line lost in between");
        }
        assertEquals(List.of(String.format("%08d %s", lines - 1, "y".repeat(119))),
                LogTail.lastLines(List.of(previous, log), 1));
    }
}
