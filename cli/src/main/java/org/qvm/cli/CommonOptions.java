package org.qvm.cli;

import picocli.CommandLine.Option;

/** The options every qvm-* tool takes, as in Qubes: -v, -q, -h, --version. */
final class CommonOptions {
    @Option(names = {"-v", "--verbose"}, description = "Say more (repeat for debug output).")
    boolean[] verbose = new boolean[0];

    @Option(names = {"-q", "--quiet"}, description = "Say less: only errors.")
    boolean quiet;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--version", versionHelp = true, description = "Show the version and exit.")
    boolean version;

    /**
     * The slf4j-simple level the arguments ask for. Read from the raw arguments before anything
     * else runs, because loggers take their level when they are created.
     */
    static String logLevel(String[] args) {
        int verbose = 0;
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            if (arg.equals("-q") || arg.equals("--quiet")) {
                return "error";
            }
            if (arg.equals("--verbose")) {
                verbose++;
            } else if (arg.matches("-v+")) {
                verbose += arg.length() - 1;
            }
        }
        return verbose == 0 ? "warn" : verbose == 1 ? "info" : "debug";
    }
}
