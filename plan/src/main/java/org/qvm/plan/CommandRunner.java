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
