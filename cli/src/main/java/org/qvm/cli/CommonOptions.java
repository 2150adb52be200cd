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

    /** The slf4j-simple level these options ask for. */
    String logLevel() {
        if (quiet) {
            return "error";
        }
        return switch (verbose.length) {
            case 0 -> "warn";
            case 1 -> "info";
            default -> "debug";
        };
    }
}
