package org.qvm.cli;

import java.io.PrintWriter;
import org.qvm.config.ConfigException;
import org.qvm.config.Diagnostic;
import picocli.CommandLine;

/**
 * Runs one tool with Qubes' error conventions: a usage error prints {@code usage: ...} and
 * {@code PROG: error: MESSAGE} and exits 2; a runtime error prints {@code PROG: error: MESSAGE}
 * and exits 1; configuration errors are listed one {@code FILE:LINE:COLUMN: message} per line
 * first.
 */
final class ToolRunner {
    static final String VERSION = "qvm 0.1.0";

    private ToolRunner() {
    }

    static int run(Tool tool, String[] args) {
        return commandLine(tool).execute(args);
    }

    static CommandLine commandLine(Tool tool) {
        CommandLine commandLine = new CommandLine(tool);
        commandLine.getCommandSpec().version(VERSION);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        tool.configure(commandLine);
        commandLine.getCommandSpec().usageMessage().synopsisHeading("usage: ");
        commandLine.getSubcommands().values().forEach(sub -> sub.getCommandSpec().usageMessage().synopsisHeading("usage: "));
        commandLine.setParameterExceptionHandler((failure, arguments) ->
                usageError(failure.getCommandLine(), failure.getMessage().replaceFirst("^Error: ", "")));
        commandLine.setExecutionExceptionHandler((failure, failed, parseResult) -> {
            if (failure instanceof UsageException) {
                return usageError(failed, failure.getMessage());
            }
            PrintWriter err = failed.getErr();
            String program = programName(failed);
            if (failure instanceof ConfigException config) {
                for (Diagnostic diagnostic : config.diagnostics()) {
                    err.println(diagnostic);
                }
                int count = config.diagnostics().size();
                err.println(program + ": error: " + count + (count == 1 ? " problem" : " problems")
                        + " in the configuration; nothing was changed");
            } else {
                err.println(program + ": error: " + message(failure));
            }
            err.flush();
            return 1;
        });
        return commandLine;
    }

    /** Qubes' usage error: the usage line, then PROG: error: MESSAGE; exit status 2. */
    private static int usageError(CommandLine failed, String message) {
        PrintWriter err = failed.getErr();
        err.print(failed.getHelp().synopsisHeading() + failed.getHelp().synopsis(0));
        err.println(programName(failed) + ": error: " + message);
        err.flush();
        return 2;
    }

    /** The tool's name, also for a subcommand ("qvm-volume", not "resize"). */
    private static String programName(CommandLine commandLine) {
        CommandLine top = commandLine;
        while (top.getParent() != null) {
            top = top.getParent();
        }
        return top.getCommandName();
    }

    private static String message(Exception failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.toString() : message;
    }
}
