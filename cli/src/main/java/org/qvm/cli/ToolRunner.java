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
        commandLine.getCommandSpec().usageMessage().synopsisHeading("usage: ");
        commandLine.setExecutionStrategy(parseResult -> {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", tool.common.logLevel());
            return new CommandLine.RunLast().execute(parseResult);
        });
        commandLine.setParameterExceptionHandler((failure, arguments) -> {
            CommandLine failed = failure.getCommandLine();
            PrintWriter err = failed.getErr();
            err.print(failed.getHelp().synopsisHeading() + failed.getHelp().synopsis(0));
            err.println(failed.getCommandName() + ": error: " + failure.getMessage().replaceFirst("^Error: ", ""));
            err.flush();
            return 2;
        });
        commandLine.setExecutionExceptionHandler((failure, failed, parseResult) -> {
            PrintWriter err = failed.getErr();
            if (failure instanceof ConfigException config) {
                for (Diagnostic diagnostic : config.diagnostics()) {
                    err.println(diagnostic);
                }
                int count = config.diagnostics().size();
                err.println(failed.getCommandName() + ": error: " + count + (count == 1 ? " problem" : " problems")
                        + " in the configuration; nothing was changed");
            } else {
                err.println(failed.getCommandName() + ": error: " + message(failure));
            }
            err.flush();
            return failure instanceof UsageException ? 2 : 1;
        });
        return commandLine;
    }

    private static String message(Exception failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.toString() : message;
    }
}
