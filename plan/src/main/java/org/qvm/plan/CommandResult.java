package org.qvm.plan;

/** What a finished command left behind: its exit status and what it wrote. */
public record CommandResult(Command command, int exitStatus, String stdout, String stderr) {
    public boolean succeeded() {
        return exitStatus == 0;
    }
}
