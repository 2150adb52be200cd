package org.qvm.plan;

import java.util.Objects;
import java.util.Optional;

/**
 * One step of a plan: the action that does it (a command, or a change to files done in this
 * process) and, when the step creates something, the action that takes it away again. The executor
 * runs the undo actions of completed steps, newest first, when a later step fails.
 */
public record Step(Action run, Optional<Action> undo) {
    public Step {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(undo, "undo");
    }

    public static Step of(Action run) {
        return new Step(run, Optional.empty());
    }

    public static Step undoable(Action run, Action undo) {
        return new Step(run, Optional.of(undo));
    }
}
