package org.qvm.plan;

import java.util.List;

/**
 * A step of a plan failed. When the plan was run to be undone on failure, the executor has undone
 * the steps that had completed by the time this is thrown, and any undo that itself failed is
 * listed, since it left something behind. When it was run to the end regardless, the other steps
 * that failed are listed.
 */
public class PlanFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Step failedStep;
    private final List<String> undoFailures;

    public PlanFailedException(Step failedStep, CommandFailedException cause, List<String> undoFailures) {
        this(failedStep, cause, undoFailures, "undoing the steps before it also failed, these are left behind: ");
    }

    PlanFailedException(Step failedStep, CommandFailedException cause, List<String> otherFailures, String otherLabel) {
        super(describe(cause, otherFailures, otherLabel), cause);
        this.failedStep = failedStep;
        this.undoFailures = List.copyOf(otherFailures);
    }

    /** A run to the end in which {@code failures} went wrong (the first is the one named). */
    static PlanFailedException ofAll(List<Step> failedSteps, List<CommandFailedException> failures) {
        List<String> later = failures.subList(1, failures.size()).stream().map(Throwable::getMessage).toList();
        return new PlanFailedException(failedSteps.get(0), failures.get(0), later, "also failed: ");
    }

    public Step failedStep() {
        return failedStep;
    }

    public List<String> undoFailures() {
        return undoFailures;
    }

    private static String describe(CommandFailedException cause, List<String> others, String otherLabel) {
        if (others.isEmpty()) {
            return cause.getMessage();
        }
        return cause.getMessage() + "; " + otherLabel + String.join("; ", others);
    }
}
