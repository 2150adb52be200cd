package org.qvm.cli;

import java.util.List;
import org.qvm.plan.JavaCommand;

/** The command line that runs one of our tools again, in a new JVM like this one. */
final class SelfCommand {
    private SelfCommand() {
    }

    static List<String> argv(String tool) {
        return JavaCommand.argv(JavaCommand.TOOL, Main.class.getName(), List.of(tool));
    }
}
