package org.qvm.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plans of real commands acting on real files. */
class PlanExecutorTest {
    @TempDir
    Path dir;

    private final PlanExecutor executor = new PlanExecutor(new ProcessRunner());

    private Step makeDir(String name) {
        String path = dir.resolve(name).toString();
        return Step.undoable(Command.of("mkdir", path), Command.of("rmdir", path));
    }

    @Test
    void runsEveryStepInOrder() {
        executor.execute(Plan.of(makeDir("a"), makeDir("a/b"), Step.of(Command.of("touch", dir + "/a/b/c"))));
        assertTrue(Files.exists(dir.resolve("a/b/c")));
    }

    @Test
    void aFailedStepUndoesWhatTheCompletedStepsCreatedNewestFirst() {
        Plan plan = Plan.of(makeDir("a"), makeDir("a/b"), Step.of(Command.of("false")), makeDir("never"));
        PlanFailedException failure = assertThrows(PlanFailedException.class, () -> executor.execute(plan));
        assertEquals("false", failure.failedStep().run().render());
        assertTrue(failure.undoFailures().isEmpty());
        // a/b had to go before a could: undo ran newest first.
        assertFalse(Files.exists(dir.resolve("a")));
        assertFalse(Files.exists(dir.resolve("never")));
    }

    @Test
    void anUndoThatFailsIsReportedAndTheOthersStillRun() throws Exception {
        Path stays = dir.resolve("stays");
        Step undoFails = Step.undoable(Command.of("mkdir", stays.toString()), Command.of("rmdir", dir + "/missing"));
        Plan plan = Plan.of(makeDir("a"), undoFails, Step.of(Command.of("false")));
        PlanFailedException failure = assertThrows(PlanFailedException.class, () -> executor.execute(plan));
        assertEquals(1, failure.undoFailures().size());
        assertTrue(failure.getMessage().contains("these are left behind"), failure.getMessage());
        assertTrue(Files.exists(stays));
        assertFalse(Files.exists(dir.resolve("a")));
    }

    @Test
    void executeAllCarriesOnPastFailuresAndReportsThemAll() {
        Path kept = dir.resolve("kept");
        Plan plan = Plan.of(Step.of(Command.of("rmdir", dir + "/missing-1")), Step.of(Command.of("mkdir", kept.toString())),
                Step.of(Command.of("rmdir", dir + "/missing-2")));
        PlanFailedException failure = assertThrows(PlanFailedException.class, () -> executor.executeAll(plan));
        assertTrue(Files.isDirectory(kept), "the step after a failure still ran");
        assertTrue(failure.getMessage().contains("missing-1"), failure.getMessage());
        assertTrue(failure.getMessage().contains("also failed: command failed: rmdir"), failure.getMessage());
        assertTrue(failure.getMessage().contains("missing-2"), failure.getMessage());
    }

    @Test
    void renderPrintsOneQuotedCommandPerLineInExecutionOrder() {
        Plan plan = Plan.builder()
                .run(Command.of("ip", "tuntap", "add", "dev", "qvm-dev", "mode", "tap"), Command.of("ip", "link", "del", "qvm-dev"))
                .run(Command.of("nft", "add", "table", "inet", "qvm"))
                .run(Command.of("echo", "two words").withEnvironment("LVM_SUPPRESS_FD_WARNINGS", "1"))
                .build();
        assertEquals(List.of(
                "ip tuntap add dev qvm-dev mode tap",
                "nft add table inet qvm",
                "LVM_SUPPRESS_FD_WARNINGS=1 echo 'two words'"), plan.render());
    }

    @Test
    void aLocalActionRunsInOrderWithTheCommandsAndIsUndoneLikeThem() {
        Path made = dir.resolve("made/here");
        Plan plan = Plan.builder().run(new MakeDirectory(made, "0700"), Command.of("rm", "-r", dir.resolve("made").toString()))
                .run(Command.of("touch", made.resolve("file").toString()))
                .run(Command.of("false"))
                .build();
        assertThrows(PlanFailedException.class, () -> executor.execute(plan));
        assertFalse(Files.exists(dir.resolve("made")), "the local step was undone");
    }

    @Test
    void aLocalActionThatFailsIsReportedAsTheCommandItStandsFor() throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "not a directory");
        Plan plan = Plan.builder().add(makeDir("a")).run(new MakeDirectory(file, "0700")).build();
        PlanFailedException failure = assertThrows(PlanFailedException.class, () -> executor.execute(plan));
        assertTrue(failure.getMessage().startsWith("command failed: mkdir -p -m 0700 " + file
                + " (done in this process: " + file + " exists and is not a directory"), failure.getMessage());
        assertEquals(-1, ((CommandFailedException) failure.getCause()).exitStatus());
        assertFalse(((CommandFailedException) failure.getCause()).programNotFound());
        assertFalse(Files.exists(dir.resolve("a")), "the steps before it were undone");
    }

    @Test
    void aLocalActionThisProcessCannotDoRunsAsItsCommand() throws Exception {
        Path made = dir.resolve("by-the-command");
        LocalAction withoutItsLibrary = new LocalAction() {
            @Override
            public Command equivalent() {
                return Command.of("mkdir", made.toString());
            }

            @Override
            public void perform() {
                throw new AssertionError("not done in this process: its library is not here");
            }

            @Override
            public boolean availableHere() {
                return false;
            }
        };
        executor.execute(Plan.builder().run(withoutItsLibrary).build());
        assertTrue(Files.isDirectory(made), "the command did it");
    }

    @Test
    void undoAllTakesAwayWhatEveryStepMadeNewestFirst() {
        Plan plan = Plan.of(makeDir("a"), makeDir("a/b"));
        executor.execute(plan);
        assertTrue(executor.undoAll(plan).isEmpty(), "a/b went before a, which was empty then");
        assertFalse(Files.exists(dir.resolve("a")));
        executor.execute(plan);
        executor.execute(Plan.of(Step.of(Command.of("touch", dir + "/a/b/c"))));
        assertEquals(2, executor.undoAll(plan).size(), "what could not be undone is told, and the rest still tried");
        assertTrue(Files.exists(dir.resolve("a/b/c")));
    }

    @Test
    void aDryRunShowsALocalActionAsItsCommand() {
        Plan plan = Plan.builder().run(new MakeDirectory(Path.of("/run/qvm/dev"), "0700"))
                .run(new KernelSettings(new java.util.LinkedHashMap<>(java.util.Map.of("net/ipv4/conf/qvm-dev/forwarding", "1"))))
                .build();
        assertEquals(List.of("mkdir -p -m 0700 /run/qvm/dev", "sysctl -q -w net/ipv4/conf/qvm-dev/forwarding=1"), plan.render());
    }
}
