package org.qvm.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFollowerTest {
    static final org.qvm.hypervisor.Hypervisor CROSVM = new org.qvm.crosvm.Crosvm("crosvm", List.of());

    @TempDir
    Path dir;

    @Test
    void linesWrittenBeforeTheLogsAreRemovedAreStillCopied() throws Exception {
        RuntimeDir runtime = new RuntimeDir(dir);
        Files.writeString(runtime.consoleLog(), "boot\n");
        List<String> lines = new CopyOnWriteArrayList<>();
        LogFollower follower = new LogFollower(runtime, CROSVM, lines::add);
        follower.readAll();
        assertEquals(List.of("console: boot"), lines);
        // The guest's last words, then qvm-shutdown removes the runtime directory before we read them.
        Files.writeString(runtime.consoleLog(), "reboot: Power down\nno newline", StandardOpenOption.APPEND);
        Files.delete(runtime.consoleLog());
        follower.finish();
        assertEquals(List.of("console: boot", "console: reboot: Power down", "console: no newline"), lines);
    }

    @Test
    void aCharacterSplitBetweenTwoWritesArrivesWholeAndControlCharactersDoNot() throws Exception {
        RuntimeDir runtime = new RuntimeDir(dir);
        byte[] text = "grüße \u001b[31mred\n".getBytes(StandardCharsets.UTF_8);
        int split = "gr".length() + 1; // inside the two bytes of "ü"
        Files.write(runtime.hypervisorLog(CROSVM), java.util.Arrays.copyOf(text, split));
        List<String> lines = new CopyOnWriteArrayList<>();
        LogFollower follower = new LogFollower(runtime, CROSVM, lines::add);
        follower.readAll();
        assertEquals(List.of(), lines, "half a line is held back");
        Files.write(runtime.hypervisorLog(CROSVM), java.util.Arrays.copyOfRange(text, split, text.length), StandardOpenOption.APPEND);
        follower.finish();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals("crosvm: grüße ", lines.get(0).substring(0, "crosvm: grüße ".length()));
        assertEquals(-1, lines.get(0).indexOf('\u001b'), "no escape character reaches the journal");
    }

    @Test
    void bidiOverridesAndZeroWidthCharactersOfAGuestConsoleNeverReachTheJournal() throws Exception {
        RuntimeDir runtime = new RuntimeDir(dir);
        Files.writeString(runtime.consoleLog(), "login: \u202eexe.txt\u200b \u2066ok\u2069\tcolumn \u009b2J\n");
        List<String> lines = new CopyOnWriteArrayList<>();
        LogFollower follower = new LogFollower(runtime, CROSVM, lines::add);
        follower.finish();
        assertEquals(List.of("console: login: _exe.txt_ _ok_\tcolumn _2J"), lines);
        assertEquals(List.of("login: _exe.txt_ _ok_\tcolumn _2J"), LogTail.lastLines(runtime.consoleLog(), 5));
    }

    @Test
    void theFollowerGoesOnWhenTheConsoleLogIsRotated() throws Exception {
        RuntimeDir runtime = new RuntimeDir(dir);
        Files.writeString(runtime.consoleLog(), "one\ntwo\n");
        List<String> lines = new CopyOnWriteArrayList<>();
        LogFollower follower = new LogFollower(runtime, CROSVM, lines::add);
        follower.readAll();
        Files.writeString(runtime.consoleLog(), "three\n", StandardOpenOption.APPEND);
        Files.move(runtime.consoleLog(), dir.resolve("console.log.1"));
        Files.writeString(runtime.consoleLog(), "four\n");
        follower.readAll();
        Files.writeString(runtime.consoleLog(), "five\n", StandardOpenOption.APPEND);
        follower.finish();
        assertEquals(List.of("console: one", "console: two", "console: three", "console: four", "console: five"), lines);
    }
}
