package org.qvm.cli;

import picocli.CommandLine.Option;

/** {@code --dry-run}, on every tool that changes anything: print the plan, change nothing. */
final class DryRunOption {
    @Option(names = "--dry-run", description = "Print the plan (one command per line, in order) and change nothing.")
    boolean enabled;
}
