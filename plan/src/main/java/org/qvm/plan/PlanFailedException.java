package org.qvm.plan;

import java.util.List;

/**
 * A step of a plan failed. By the time this is thrown the executor has undone the steps that had
 * completed; any undo that itself failed is listed, since it left something behind.
 */
public class PlanFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Step failedStep;
    private final List<String> undoFailures;

    public PlanFailedException(Step failedStep, CommandFailedException cause, List<String> undoFailures) {
        super(describe(cause, undoFailures), cause);
        this.failedStep = failedStep;
        this.undoFailures = List.copyOf(undoFailures);
    }

    public Step failedStep() {
        return failedStep;
    }

    public List<String> undoFailures() {
        return undoFailures;
    }

    private static String describe(CommandFailedException cause, List<String> undoFailures) {
        if (undoFailures.isEmpty()) {
            return cause.getMessage();
        }
        return cause.getMessage() + "; undoing the steps before it also failed, these are left behind: "
                + String.join("; ", undoFailures);
    }
}
