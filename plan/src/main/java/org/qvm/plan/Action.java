package org.qvm.plan;

/**
 * What one step of a plan does: an external {@link Command}, or a small change to files that is
 * done in this process ({@link LocalAction}) where a process for it would cost more than the change.
 * Either is data, shown the same way by {@code --dry-run} (a local action as the command it stands
 * for), and run by {@link PlanExecutor}.
 */
public sealed interface Action permits Command, LocalAction {
    /** The action as one POSIX shell line. */
    String render();

    /** As {@link #render()}, with a command's standard input as a here-document. */
    String renderWithInput();
}
