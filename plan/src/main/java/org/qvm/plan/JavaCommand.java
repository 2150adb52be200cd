package org.qvm.plan;

import java.util.ArrayList;
import java.util.List;

/** The command line that runs a main class in a new JVM like this one (same java, same class path). */
public final class JavaCommand {
    /** For the short-lived tools: a small serial heap and the quick compiler start fastest. */
    public static final List<String> TOOL = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    /** For a small process that stays (a VM's console keeper): as little memory as a JVM can do with. */
    public static final List<String> SMALL_DAEMON = List.of("-Xmx8m", "-Xss256k", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-XX:ReservedCodeCacheSize=8m", "-XX:MaxMetaspaceSize=24m");

    private JavaCommand() {
    }

    public static List<String> argv(List<String> jvmOptions, String mainClass, List<String> arguments) {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> argv = new ArrayList<>(List.of(java));
        argv.addAll(jvmOptions);
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        argv.addAll(arguments);
        return argv;
    }
}
