package org.qvm.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.qvm.testsupport.Examples;

/**
 * The console log against a guest that writes far more than it keeps, through a real FIFO: the
 * same for both keepers, ConsoleLog in a JVM and bin/qvm-console-keeper in Python.
 */
class ConsoleLogTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path TOOLS = Examples.repositoryRoot().resolve("bin");

    @TempDir
    Path dir;

    /** A keeper of FIFO into LOG, started; {@link #awaitEnd} waits for it to end by itself. */
    enum Keeper {
        JAVA {
            @Override
            Object start(Path fifo, Path log) {
                return new ConsoleLog(fifo, log).startThread();
            }
        },
        PYTHON_BESIDE_THE_TOOLS {
            @Override
            Object start(Path fifo, Path log) throws Exception {
                return startPythonKeeper(fifo, log);
            }
        };

        abstract Object start(Path fifo, Path log) throws Exception;

        static boolean awaitEnd(Object keeper) throws Exception {
            if (keeper instanceof Thread thread) {
                thread.join(60_000);
                return !thread.isAlive();
            }
            Process process = (Process) keeper;
            boolean ended = process.waitFor(60, TimeUnit.SECONDS);
            assertEquals(0, process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            return ended;
        }
    }

    /** The Python keeper of FIFO into LOG (both in one directory), by the command line qvm-start gives it. */
    static Process startPythonKeeper(Path fifo, Path log) throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON + " here: the JVM keeper is used instead");
        RuntimeDir runtime = new RuntimeDir(fifo.getParent());
        assertEquals(List.of(runtime.consolePipe(), runtime.consoleLog()), List.of(fifo, log));
        List<String> argv = ConsoleLog.commandLine(runtime, Map.of(), Optional.of(TOOLS));
        assertEquals(PYTHON.toString(), argv.get(0), argv.toString());
        return new ProcessBuilder(argv).redirectErrorStream(true).start();
    }

    private Path fifo() throws Exception {
        Path fifo = dir.resolve("console.pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", "-m", "0600", fifo.toString()).start().waitFor());
        return fifo;
    }

    @ParameterizedTest
    @EnumSource(Keeper.class)
    void aFloodingGuestKeepsOnlyTheLastOneToTwoMebibytes(Keeper kind) throws Exception {
        Path fifo = fifo();
        Path log = dir.resolve("console.log");
        Object keeper = kind.start(fifo, log);
        int lines = 40_000;
        try (OutputStream console = Files.newOutputStream(fifo)) {
            for (int i = 0; i < lines; i++) {
                console.write(String.format("%08d %s%n", i, "y".repeat(119)).getBytes(StandardCharsets.US_ASCII));
            }
        }
        assertTrue(Keeper.awaitEnd(keeper), "the keeper ends when the writer has gone");
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

    @ParameterizedTest
    @EnumSource(Keeper.class)
    void aRestartedKeeperAppendsToTheLogItFinds(Keeper kind) throws Exception {
        Path fifo = fifo();
        Path log = dir.resolve("console.log");
        Files.writeString(log, "from the boot before\n");
        Object keeper = kind.start(fifo, log);
        Files.writeString(fifo, "and this one\n");
        assertTrue(Keeper.awaitEnd(keeper));
        assertEquals("from the boot before\nand this one\n", Files.readString(log));
        assertFalse(Files.exists(dir.resolve("console.log.1")), "nothing rotated under 1 MiB");
    }

    @Test
    void thePythonKeeperNeverWritesThroughALinkAtTheLogsPlace() throws Exception {
        Path fifo = fifo();
        Path elsewhere = dir.resolve("elsewhere");
        Files.writeString(elsewhere, "someone else's\n");
        Path log = dir.resolve("console.log");
        Files.createSymbolicLink(log, elsewhere);
        Process keeper = startPythonKeeper(fifo, log);
        try (OutputStream console = Files.newOutputStream(fifo)) {
            console.write("guest output\n".getBytes(StandardCharsets.US_ASCII));
        } catch (java.io.IOException e) {
            // The keeper may have gone already (its reading end closed): what matters is below.
        }
        assertTrue(keeper.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, keeper.exitValue());
        assertTrue(new String(keeper.getInputStream().readAllBytes(), StandardCharsets.UTF_8).startsWith("qvm console log: "));
        assertEquals("someone else's\n", Files.readString(elsewhere));
    }

    @Test
    void thePythonKeeperIsChosenWherePythonRunsAndItIsBesideTheTools() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON + " here");
        RuntimeDir runtime = new RuntimeDir(dir.resolve("run/dev"));
        List<String> python = ConsoleLog.commandLine(runtime, Map.of(), Optional.of(TOOLS));
        assertEquals(List.of(PYTHON.toString(), "-I", "-S", TOOLS.resolve("qvm-console-keeper").toString(),
                runtime.consolePipe().toString(), runtime.consoleLog().toString()), python);
        List<String> java = ConsoleLog.commandLine(runtime, Map.of("QVM_PYTHON", ""), Optional.of(TOOLS));
        assertEquals(ConsoleLog.class.getName(), java.get(java.size() - 3), "QVM_PYTHON empty: no Python");
        assertEquals(java, ConsoleLog.commandLine(runtime, Map.of("QVM_PYTHON", dir.resolve("none").toString()), Optional.of(TOOLS)));
        assertEquals(java, ConsoleLog.commandLine(runtime, Map.of(), Optional.empty()), "not started by bin/qvm-java");
        assertEquals(java, ConsoleLog.commandLine(runtime, Map.of(), Optional.of(dir)), "no keeper there");
        assertEquals(ConsoleLog.identifyingArguments(runtime), python.subList(python.size() - 2, python.size()));
        assertEquals(ConsoleLog.identifyingArguments(runtime), java.subList(java.size() - 2, java.size()));
    }
}
