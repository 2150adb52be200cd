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

    /** What bin/qvm-java tells JNA from the start-up cache (its stub, its library path); a child is told the same. */
    static final List<String> JNA_PROPERTIES = List.of("jna.boot.library.path", "jna.nounpack", "jna.platform.library.path");

    /** The system property through which bin/qvm-java names its start-up cache (qvm.jsa or qvm.aot). */
    public static final String STARTUP_CACHE_PROPERTY = "qvm.startup-cache";

    public static List<String> argv(List<String> jvmOptions, String mainClass, List<String> arguments) {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> argv = new ArrayList<>(List.of(java));
        argv.addAll(jvmOptions);
        argv.addAll(startupCacheOptions(System.getProperty(STARTUP_CACHE_PROPERTY)));
        argv.addAll(jnaOptions(System::getProperty));
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        argv.addAll(arguments);
        return argv;
    }

    /** The JNA properties this JVM was given (see {@link #JNA_PROPERTIES}), as options for a new one. */
    static List<String> jnaOptions(java.util.function.UnaryOperator<String> properties) {
        List<String> options = new ArrayList<>();
        for (String name : JNA_PROPERTIES) {
            String value = properties.apply(name);
            if (value != null) {
                options.add("-D" + name + "=" + value);
            }
        }
        return options;
    }

    /**
     * The options that give a new JVM the start-up cache this one was started with (none without
     * one): the same classes, already parsed and verified, start the child faster too. A cache
     * that does not fit the child (another java) is ignored quietly, as bin/qvm-java does.
     */
    public static List<String> startupCacheOptions(String cache) {
        if (cache == null || cache.isEmpty()) {
            return List.of();
        }
        String property = "-D" + STARTUP_CACHE_PROPERTY + "=" + cache;
        if (cache.endsWith(".aot")) {
            return List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off", property);
        }
        return List.of("-Xshare:auto", "-XX:SharedArchiveFile=" + cache, "-Xlog:cds=off", "-Xlog:cds+dynamic=off", property);
    }
}
