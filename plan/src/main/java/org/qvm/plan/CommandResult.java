package org.qvm.plan;

/** What a finished command left behind: its exit status and what it wrote. */
public record CommandResult(Command command, int exitStatus, String stdout, String stderr) {
    /** Whether the command did what it was for: its exit status is one it counts as success. */
    public boolean succeeded() {
        return command.succeeded(exitStatus);
    }
}
