package org.qvm.cli;

import java.util.ArrayList;
import java.util.List;

/** The command line that runs one of our tools again, in a new JVM like this one. */
final class SelfCommand {
    private SelfCommand() {
    }

    static List<String> argv(String tool) {
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + "/bin/java");
        List<String> argv = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), tool));
        return argv;
    }
}
