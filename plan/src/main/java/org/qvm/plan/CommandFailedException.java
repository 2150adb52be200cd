package org.qvm.plan;

import java.util.List;

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

    /** The program (or, under a wrapper such as {@code env}, the wrapped program: status 127) was not found. */
    public boolean programNotFound() {
        return exitStatus == ProcessRunner.NOT_FOUND;
    }

    public Command command() {
        return command;
    }

    /** The exit status; 127 when the program was not found, -1 when it did not run to completion otherwise. */
    public int exitStatus() {
        return exitStatus;
    }

    public String stderr() {
        return stderr;
    }

    /** What the command read, on one line when it is short (an ip batch); a long script (nft's) says its line itself. */
    private static String input(Command command) {
        if (command.stdin().isEmpty()) {
            return "";
        }
        List<String> lines = command.stdin().get().lines().filter(line -> !line.isBlank()).toList();
        String joined = String.join("; ", lines);
        return joined.length() <= INPUT_SHOWN ? " with input: " + joined : " with " + lines.size() + " lines of input";
    }

    private static final int INPUT_SHOWN = 300;

    private static String describe(Command command, String reason, String stderr) {
        String message = "command failed: " + command.render() + input(command) + " (" + reason + ")";
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
