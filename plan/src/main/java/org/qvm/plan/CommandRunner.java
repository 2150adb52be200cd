package org.qvm.plan;

/** Runs one external command to completion. {@link ProcessRunner} is the real one. */
public interface CommandRunner {

    /**
     * Runs the command and returns its result whatever its exit status.
     *
     * @throws CommandFailedException if it cannot be started or runs past its timeout
     */
    CommandResult run(Command command);

    /**
     * Starts the command in a session of its own, detached from ours (no terminal, standard input
     * from /dev/null, both outputs appended to {@code output}), and returns at once. The process
     * outlives this one; it is its own process, not a shell's child.
     *
     * @throws CommandFailedException if it cannot be started
     */
    Process launch(Command command, java.nio.file.Path output);

    /**
     * Starts the command like {@link #launch}, but not as a {@link Process} of this JVM: it leads a
     * session of its own, and this process can exit at once without waiting on it (a JVM with a
     * live child Process waits 300 ms at exit). Returns its PID where the runner knows it (it
     * spawned it itself); else, empty (it went through {@code setsid --fork}, and was adopted by
     * init): find it by its command line, as the session leader.
     *
     * @throws CommandFailedException if it cannot be started
     */
    java.util.OptionalLong detach(Command command, java.nio.file.Path output);

    /**
     * Whether this runner's commands run where this process does (its namespaces, its view of the
     * files), so that a plan's {@link LocalAction} may be done in this process instead of by its
     * command. A runner that runs them elsewhere ({@code ip netns exec}) or only records them says
     * no, and gets the command.
     */
    default boolean runsHere() {
        return false;
    }

    /**
     * Runs the command and returns its result.
     *
     * @throws CommandFailedException if it cannot be started, times out or exits non-zero
     */
    default CommandResult check(Command command) {
        CommandResult result = run(command);
        if (!result.succeeded()) {
            throw CommandFailedException.of(result);
        }
        return result;
    }
}
