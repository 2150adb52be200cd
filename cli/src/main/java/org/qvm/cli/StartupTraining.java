package org.qvm.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import java.util.Map;

/**
 * The work the JVM's start-up cache is made from (see bin/qvm-java --make-startup-cache): every
 * tool's command line is built and qvm-ls runs over the example VMs, all in this one JVM, so the
 * classes on the fast paths are archived. Not a tool; prints nothing.
 */
public final class StartupTraining {
    private StartupTraining() {
    }

    /** args[0]: a host file (a copy of the examples). */
    public static void main(String[] args) {
        Map<String, String> environment = Map.of("QVM_CONFIG", args[0]);
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        for (List<String> run : List.of(List.of("qvm-ls"), List.of("qvm-ls", "--raw-list"), List.of("qvm-ls", "--raw-data"),
                List.of("qvm-ls", "--json"), List.of("qvm-ls", "--bogus"))) {
            Tool tool = Tools.create(run.get(0));
            tool.environment = environment;
            picocli.CommandLine commandLine = ToolRunner.commandLine(tool);
            commandLine.setOut(nowhere).setErr(nowhere);
            commandLine.execute(run.subList(1, run.size()).toArray(String[]::new));
        }
        for (String name : Tools.NAMES) {
            Tool tool = Tools.create(name);
            tool.environment = environment;
            ToolRunner.commandLine(tool).setOut(nowhere).setErr(nowhere).execute("--help");
        }
    }
}
