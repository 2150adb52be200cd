package org.qvm.plan;

import java.util.Objects;
import java.util.Optional;

/**
 * One step of a plan: the command that does it and, when the step creates something, the command
 * that takes it away again. The executor runs the undo commands of completed steps, newest first,
 * when a later step fails.
 */
public record Step(Command run, Optional<Command> undo) {
    public Step {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(undo, "undo");
    }

    public static Step of(Command run) {
        return new Step(run, Optional.empty());
    }

    public static Step undoable(Command run, Command undo) {
        return new Step(run, Optional.of(undo));
    }
}
