package org.qvm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs real processes: the runner is the suite's only way out to the system, so it is tested for real. */
class ProcessRunnerTest {
    private final ProcessRunner runner = new ProcessRunner();

    @Test
    void argumentsReachTheProgramVerbatimWithoutAShell() {
        List<String> tricky = List.of("a b", "$HOME", "${HOME}", "'q'", "\"d\"", "back\\slash", "*", ";", "", " padded ", "  ");
        Command printf = Command.of(List.of("printf", "[%s]\\n")).withTimeout(Duration.ofSeconds(10));
        List<String> argv = new java.util.ArrayList<>(printf.argv());
        argv.addAll(tricky);
        CommandResult result = runner.check(Command.of(argv));
        String expected = tricky.stream().map(word -> "[" + word + "]\n").reduce("", String::concat);
        assertEquals(expected, result.stdout());
    }

    @Test
    void capturesBothStreamsAndTheExitStatus() {
        CommandResult result = runner.run(Command.of("sh", "-c", "echo out; echo err >&2; exit 3"));
        assertEquals(3, result.exitStatus());
        assertEquals("out\n", result.stdout());
        assertEquals("err\n", result.stderr());
    }

    @Test
    void checkNamesTheCommandAndItsStderrOnFailure() {
        CommandFailedException failure = assertThrows(CommandFailedException.class,
                () -> runner.check(Command.of("sh", "-c", "echo 'no such device' >&2; exit 2", "arg0")));
        assertEquals(2, failure.exitStatus());
        assertTrue(failure.getMessage().startsWith("command failed: sh -c "), failure.getMessage());
        assertTrue(failure.getMessage().contains("(exit status 2): no such device"), failure.getMessage());
    }

    @Test
    void standardInputIsPassedWhenGivenAndClosedOtherwise() {
        assertEquals("rules\n", runner.check(Command.of("cat").withStdin("rules\n")).stdout());
        // cat with a closed stdin ends at once instead of waiting for a terminal.
        assertEquals("", runner.check(Command.of("cat").withTimeout(Duration.ofSeconds(10))).stdout());
    }

    @Test
    void aCommandCanSucceedOnOtherStatuses() {
        Command absent = Command.of("sh", "-c", "exit 2").succeedingOn(2);
        assertTrue(runner.check(absent).succeeded());
        assertEquals("! sh -c 'exit 2'", absent.render());
        assertThrows(CommandFailedException.class, () -> runner.check(Command.of("true").succeedingOn(2)));
        assertTrue(runner.check(Command.of("sh", "-c", "exit 1").succeedingOn(0, 1)).succeeded());
    }

    @Test
    void environmentIsAddedToTheInheritedOne() {
        CommandResult result = runner.check(
                Command.of("sh", "-c", "echo \"$QVM_TEST_VALUE:${PATH:+path}\"").withEnvironment("QVM_TEST_VALUE", "x y"));
        assertEquals("x y:path\n", result.stdout());
    }

    /** A tool server's runner: its client's environment, and programs found on the client's PATH, not this JVM's. */
    @Test
    void aRunnerWithItsOwnEnvironmentStartsCommandsWithItAndFindsProgramsOnItsPath(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path program = dir.resolve("qvm-test-only-here");
        java.nio.file.Files.writeString(program, "#!/bin/sh\necho \"found: $QVM_TEST_CLIENT ${QVM_TEST_SERVER:-none}\"\n");
        program.toFile().setExecutable(true);
        java.util.Map<String, String> client = java.util.Map.of("PATH", dir + ":/usr/bin:/bin", "QVM_TEST_CLIENT", "the client's");
        ProcessRunner served = new ProcessRunner(client);
        assertEquals("found: the client's none\n", served.check(Command.of("qvm-test-only-here")).stdout());
        assertThrows(CommandFailedException.class, () -> runner.run(Command.of("qvm-test-only-here")), "not on this JVM's PATH");
        java.nio.file.Path output = dir.resolve("launched.out");
        Process launched = served.launch(Command.of("qvm-test-only-here"), output);
        assertTrue(launched.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals("found: the client's none\n", java.nio.file.Files.readString(output), "launched the same way");
    }

    @Test
    void aMissingProgramIsAClearError() {
        CommandFailedException failure = assertThrows(CommandFailedException.class,
                () -> runner.run(Command.of("qvm-no-such-program-here", "x")));
        assertTrue(failure.getMessage().contains("cannot run 'qvm-no-such-program-here': not found"),
                failure.getMessage());
        assertTrue(failure.programNotFound());
        CommandResult wrapped = runner.run(Command.of("env", "qvm-no-such-program-here"));
        assertTrue(CommandFailedException.of(wrapped).programNotFound(), "127 from a wrapper means not found too");
    }

    @Test
    void aCommandPastItsTimeoutIsKilledAndReported() {
        Command slow = Command.of("sleep", "30").withTimeout(Duration.ofMillis(200));
        CommandFailedException failure = assertThrows(CommandFailedException.class, () -> runner.run(slow));
        assertTrue(failure.getMessage().contains("killed after its timeout of 200 ms"), failure.getMessage());
    }

    @Test
    void aLaunchedCommandRunsInItsOwnSessionWithItsOutputInAFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path log = dir.resolve("out.log");
        Process process = runner.launch(Command.of("sh", "-c", "echo started; ps -o sid= -p $$; ps -o pid= -p $$; exit 4"), log);
        assertTrue(process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(4, process.exitValue());
        List<String> lines = java.nio.file.Files.readAllLines(log);
        assertEquals("started", lines.get(0));
        assertEquals(lines.get(1).strip(), lines.get(2).strip(), "it leads a session of its own");
        assertEquals(String.valueOf(process.pid()), lines.get(2).strip(), "and is the process we hold (no fork)");
    }

    @Test
    void aDetachedCommandLeadsItsOwnSessionWithNothingOfOursAndItsPidIsKnown(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path log = dir.resolve("out.log");
        // Its PID and session, what it holds open, what it blocks, and where its input comes from.
        String report = "ps -o pid=,sid= -p $$; ls /proc/$$/fd | tr '\\n' ' '; echo; grep SigBlk /proc/$$/status; "
                + "readlink /proc/$$/fd/0; echo \"$QVM_DETACH_TEST\"; exec sleep 30";
        java.util.OptionalLong pid = runner.detach(Command.of("sh", "-c", report).withEnvironment("QVM_DETACH_TEST", "passed on"), log);
        assertTrue(pid.isPresent(), "spawned in this process, with its PID handed back");
        assertEquals(0, ProcessHandle.current().children().filter(child -> child.pid() != pid.getAsLong()).count());
        try {
            List<String> lines = awaitLines(log, 5);
            String[] fields = lines.get(0).trim().split("\\s+");
            assertEquals(String.valueOf(pid.getAsLong()), fields[0], "the PID handed back is the command's");
            assertEquals(fields[0], fields[1], "it leads a session of its own");
            assertEquals("0 1 2", lines.get(1).strip(), "only its standard streams are open, nothing of the JVM's");
            assertEquals("SigBlk:\t0000000000000000", lines.get(2), "no signal blocked, whatever the spawning thread blocked");
            assertEquals("/dev/null", lines.get(3));
            assertEquals("passed on", lines.get(4));
        } finally {
            ProcessHandle.of(pid.getAsLong()).ifPresent(ProcessHandle::destroyForcibly);
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (java.nio.file.Files.exists(java.nio.file.Path.of("/proc/" + pid.getAsLong()))) {
            assertTrue(System.nanoTime() < deadline, "once it ended it was reaped: no zombie is left");
            Thread.sleep(10);
        }
    }

    @Test
    void withoutPosixSpawnADetachedCommandIsNotOurChildAndLeadsItsOwnSession(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path log = dir.resolve("out.log");
        java.nio.file.Path done = dir.resolve("done");
        java.util.OptionalLong handed = ProcessRunner.detachingWithSetsid()
                .detach(Command.of("sh", "-c", "ps -o pid=,sid=,ppid= -p $$; exec sleep 30", "detached-test", done.toString()), log);
        assertTrue(handed.isEmpty(), "setsid --fork does not tell the PID");
        assertEquals(0, ProcessHandle.current().children().count(), "no child of ours is left running");
        long pid = Long.parseLong(awaitLines(log, 1).get(0).trim().split("\\s+")[0]);
        try {
            String[] fields = java.nio.file.Files.readAllLines(log).get(0).trim().split("\\s+");
            assertEquals(fields[0], fields[1], "it leads a session of its own");
            assertTrue(Long.parseLong(fields[2]) != ProcessHandle.current().pid(), "its parent is not us");
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static List<String> awaitLines(java.nio.file.Path log, int count) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<String> lines = java.nio.file.Files.exists(log) ? java.nio.file.Files.readAllLines(log) : List.of();
            if (lines.size() >= count) {
                return lines;
            }
            assertTrue(System.nanoTime() < deadline, "the detached command wrote its lines in time: " + lines);
            Thread.sleep(10);
        }
    }

    @Test
    void aDetachedProgramThatCannotBeFoundFailsToStart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        CommandFailedException failed = org.junit.jupiter.api.Assertions.assertThrows(CommandFailedException.class,
                () -> runner.detach(Command.of("/nonexistent/crosvm", "run"), dir.resolve("out.log")));
        assertTrue(failed.programNotFound(), failed.getMessage());
        assertTrue(failed.getMessage().contains("/nonexistent/crosvm"), failed.getMessage());
    }

    @Test
    void withoutPosixSpawnADetachedProgramThatCannotBeFoundIsReportedInItsLog(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path log = dir.resolve("out.log");
        ProcessRunner.detachingWithSetsid().detach(Command.of("/nonexistent/crosvm", "run"), log);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!java.nio.file.Files.readString(log).contains("/nonexistent/crosvm")) {
            assertTrue(System.nanoTime() < deadline, "setsid said why, in the log");
            Thread.sleep(10);
        }
    }

    @Test
    void aPrefixRunsInFrontOfEveryCommand() {
        ProcessRunner prefixed = new ProcessRunner(List.of("env", "QVM_PREFIXED=yes"));
        assertEquals("yes\n", prefixed.check(Command.of("sh", "-c", "echo $QVM_PREFIXED")).stdout());
    }
}
