package org.qvm.cli;

import java.util.Arrays;

/**
 * The entry point of the one jar behind every {@code bin/qvm-*} wrapper: the first argument names
 * the tool, the rest are its arguments.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: java -jar qvm.jar TOOL [ARGS...]  (tools: " + String.join(", ", Tools.NAMES) + ")");
            return 2;
        }
        String[] toolArgs = Arrays.copyOfRange(args, 1, args.length);
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", CommonOptions.logLevel(toolArgs));
        Tool tool = Tools.create(args[0]);
        if (tool == null) {
            System.err.println("qvm: error: no tool named '" + args[0] + "' (tools: " + String.join(", ", Tools.NAMES) + ")");
            return 2;
        }
        return ToolRunner.run(tool, toolArgs);
    }
}
