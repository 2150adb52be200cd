package org.qvm.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a plan's steps in order. If a step fails, the undo actions of the steps that completed
 * run newest first, and the failure is reported with anything the undo could not take away. There
 * is no other logic here: what to do is decided when the plan is made. A command goes to the
 * {@link CommandRunner}; a {@link LocalAction} is done in this process where the runner's commands
 * run here too (else the runner gets its command), and its failure is reported as its command's.
 */
public final class PlanExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(PlanExecutor.class);

    private final CommandRunner runner;

    public PlanExecutor(CommandRunner runner) {
        this.runner = runner;
    }

    public void execute(Plan plan) {
        Deque<Action> undos = new ArrayDeque<>();
        for (Step step : plan.steps()) {
            try {
                perform(step.run());
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
                perform(step.run());
            } catch (CommandFailedException failure) {
                failedSteps.add(step);
                failures.add(failure);
            }
        }
        if (!failures.isEmpty()) {
            throw PlanFailedException.ofAll(failedSteps, failures);
        }
    }

    /**
     * Runs the undo actions of all the plan's steps, newest first, carrying on past failures: for
     * a plan whose steps all completed and whose whole work is then given up. Returns what failed.
     */
    public List<String> undoAll(Plan plan) {
        Deque<Action> undos = new ArrayDeque<>();
        plan.steps().forEach(step -> step.undo().ifPresent(undos::push));
        return undo(undos);
    }

    /**
     * Does one action: a command by the runner; a local action in this process when the runner's
     * commands run here too and this process can do it, else by the runner as the command it stands for.
     *
     * @throws CommandFailedException if it fails (a local action done here as its command, status -1)
     */
    public void perform(Action action) {
        if (action instanceof Command command) {
            runner.check(command);
            return;
        }
        LocalAction local = (LocalAction) action;
        if (!runner.runsHere() || !local.availableHere()) {
            runner.check(local.equivalent());
            return;
        }
        LOG.debug("done in this process: {}", local.render());
        try {
            local.perform();
        } catch (java.io.IOException | RuntimeException e) {
            throw new CommandFailedException(local.equivalent(), -1, "done in this process: "
                    + (e.getMessage() == null ? e.toString() : e.getMessage()), "");
        }
    }

    /** Runs undo actions newest first, carrying on past failures; returns what failed. */
    private List<String> undo(Deque<Action> undos) {
        List<String> failures = new ArrayList<>();
        while (!undos.isEmpty()) {
            Action undo = undos.pop();
            try {
                perform(undo);
            } catch (CommandFailedException failure) {
                // Told in the PlanFailedException's message, not logged: a tool's warnings are its own output.
                LOG.debug("undo failed: {}", failure.getMessage());
                failures.add(failure.getMessage());
            }
        }
        return failures;
    }
}
