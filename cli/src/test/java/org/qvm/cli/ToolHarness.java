package org.qvm.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;

/** Runs a tool in-process with a given config and captures what it prints. */
final class ToolHarness {
    record Result(int status, String out, String err) {
    }

    private ToolHarness() {
    }

    static Result run(Tool tool, Path config, String... args) {
        return run(tool, Map.of("QVM_CONFIG", config.toString()), args);
    }

    static Result run(Tool tool, Map<String, String> environment, String... args) {
        tool.environment = new HashMap<>(environment);
        CommandLine commandLine = ToolRunner.commandLine(tool);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int status = commandLine.execute(args);
        return new Result(status, out.toString(), err.toString());
    }
}
