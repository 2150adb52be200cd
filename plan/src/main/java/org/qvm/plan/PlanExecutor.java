package org.qvm.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a plan's steps in order. If a step fails, the undo commands of the steps that completed
 * run newest first, and the failure is reported with anything the undo could not take away. There
 * is no other logic here: what to do is decided when the plan is made.
 */
public final class PlanExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(PlanExecutor.class);

    private final CommandRunner runner;

    public PlanExecutor(CommandRunner runner) {
        this.runner = runner;
    }

    public void execute(Plan plan) {
        Deque<Command> undos = new ArrayDeque<>();
        for (Step step : plan.steps()) {
            try {
                runner.check(step.run());
            } catch (CommandFailedException failure) {
                throw new PlanFailedException(step, failure, undo(undos));
            }
            step.undo().ifPresent(undos::push);
        }
    }

    /**
     * Runs every step, carrying on past failures, for plans that take things away (where stopping
     * half-way would leave more behind than going on). Undo commands are not used.
     *
     * @throws PlanFailedException naming the first failure and listing the others
     */
    public void executeAll(Plan plan) {
        List<Step> failedSteps = new ArrayList<>();
        List<CommandFailedException> failures = new ArrayList<>();
        for (Step step : plan.steps()) {
            try {
                runner.check(step.run());
            } catch (CommandFailedException failure) {
                failedSteps.add(step);
                failures.add(failure);
            }
        }
        if (!failures.isEmpty()) {
            throw PlanFailedException.ofAll(failedSteps, failures);
        }
    }

    /** Runs undo commands newest first, carrying on past failures; returns what failed. */
    private List<String> undo(Deque<Command> undos) {
        List<String> failures = new ArrayList<>();
        while (!undos.isEmpty()) {
            Command undo = undos.pop();
            try {
                runner.check(undo);
            } catch (CommandFailedException failure) {
                // Told in the PlanFailedException's message, not logged: a tool's warnings are its own output.
                LOG.debug("undo failed: {}", failure.getMessage());
                failures.add(failure.getMessage());
            }
        }
        return failures;
    }
}
