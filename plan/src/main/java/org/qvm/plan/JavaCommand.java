package org.qvm.plan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The command line that runs a main class in a new JVM like this one (same java, same class path). */
public final class JavaCommand {
    /** For the short-lived tools: a small serial heap and the quick compiler start fastest. */
    public static final List<String> TOOL = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    /** For a small process that stays (a VM's console keeper): as little memory as a JVM can do with. */
    public static final List<String> SMALL_DAEMON = List.of("-Xmx8m", "-Xss256k", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-XX:ReservedCodeCacheSize=8m", "-XX:MaxMetaspaceSize=24m");

    private JavaCommand() {
    }

    /**
     * The directory of the bin/ tools, which bin/qvm-java names (the programs that run beside the
     * tools, such as qvm-console-keeper, are there); absent where the tools did not come through it.
     */
    public static final String TOOLS_DIRECTORY_PROPERTY = "qvm.bin";

    /**
     * What bin/qvm-java tells a JVM that a child is told the same: JNA's stub and library path from
     * the start-up cache, and where the tools are.
     */
    static final List<String> PASSED_ON_PROPERTIES = List.of("jna.boot.library.path", "jna.nounpack", "jna.platform.library.path",
            TOOLS_DIRECTORY_PROPERTY);

    /** The system property through which bin/qvm-java names its start-up cache (qvm.jsa or qvm.aot). */
    public static final String STARTUP_CACHE_PROPERTY = "qvm.startup-cache";

    public static List<String> argv(List<String> jvmOptions, String mainClass, List<String> arguments) {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> argv = new ArrayList<>(List.of(java));
        argv.addAll(jvmOptions);
        argv.addAll(startupCacheOptions(System.getProperty(STARTUP_CACHE_PROPERTY)));
        argv.addAll(passedOnOptions(System::getProperty));
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        argv.addAll(arguments);
        return argv;
    }

    /** The directory of the bin/ tools, when this JVM was started by bin/qvm-java (or by a JVM that was). */
    public static Optional<Path> toolsDirectory() {
        String directory = System.getProperty(TOOLS_DIRECTORY_PROPERTY);
        return directory == null || directory.isEmpty() ? Optional.empty() : Optional.of(Path.of(directory));
    }

    /** The properties this JVM was given that a new one is given too (see {@link #PASSED_ON_PROPERTIES}), as its options. */
    static List<String> passedOnOptions(java.util.function.UnaryOperator<String> properties) {
        List<String> options = new ArrayList<>();
        for (String name : PASSED_ON_PROPERTIES) {
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
