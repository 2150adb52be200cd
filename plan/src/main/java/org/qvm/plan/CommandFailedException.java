package org.qvm.plan;

/**
 * A command could not be run, timed out, or exited with a failure status. The message names the
 * command and says why, ending with what it wrote to standard error.
 */
public class CommandFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final int STDERR_SHOWN = 2000;

    private final transient Command command;
    private final int exitStatus;
    private final String stderr;

    public CommandFailedException(Command command, int exitStatus, String reason, String stderr) {
        super(describe(command, reason, stderr));
        this.command = command;
        this.exitStatus = exitStatus;
        this.stderr = stderr;
    }

    public static CommandFailedException of(CommandResult result) {
        return new CommandFailedException(result.command(), result.exitStatus(),
                "exit status " + result.exitStatus(), result.stderr());
    }

    public Command command() {
        return command;
    }

    /** The exit status, or -1 when the command never ran to completion. */
    public int exitStatus() {
        return exitStatus;
    }

    public String stderr() {
        return stderr;
    }

    private static String describe(Command command, String reason, String stderr) {
        String message = "command failed: " + command.render() + " (" + reason + ")";
        String shown = stderr.strip();
        if (shown.isEmpty()) {
            return message;
        }
        if (shown.length() > STDERR_SHOWN) {
            shown = "..." + shown.substring(shown.length() - STDERR_SHOWN);
        }
        return message + ": " + shown;
    }
}
