package org.qvm.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * An ordered list of steps, computed by pure code from configuration and observed state. The same
 * plan is printed by {@code --dry-run} and run by {@link PlanExecutor}.
 */
public record Plan(List<Step> steps) {
    public static final Plan EMPTY = new Plan(List.of());

    public Plan {
        steps = List.copyOf(steps);
    }

    public static Plan of(Step... steps) {
        return new Plan(List.of(steps));
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /** This plan's steps followed by the other's. */
    public Plan then(Plan next) {
        List<Step> all = new ArrayList<>(steps);
        all.addAll(next.steps);
        return new Plan(all);
    }

    /**
     * The actions in execution order (one done in this process as the command it stands for), one POSIX shell-quoted line each, with its standard input
     * (if any) as a here-document: what {@code --dry-run} prints.
     */
    public List<String> render() {
        return steps.stream().map(step -> step.run().renderWithInput()).toList();
    }

    /** Collects steps in order. */
    public static final class Builder {
        private final List<Step> steps = new ArrayList<>();

        public Builder add(Step step) {
            steps.add(step);
            return this;
        }

        public Builder run(Action action) {
            return add(Step.of(action));
        }

        public Builder run(Action action, Action undo) {
            return add(Step.undoable(action, undo));
        }

        public Builder addAll(Plan plan) {
            steps.addAll(plan.steps());
            return this;
        }

        public Plan build() {
            return new Plan(steps);
        }
    }

    public static Builder builder() {
        return new Builder();
    }
}
