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
        assertEquals(List.of("false"), failure.failedStep().run().argv());
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
}
