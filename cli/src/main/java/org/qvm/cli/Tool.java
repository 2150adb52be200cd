package org.qvm.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import picocli.CommandLine;

/**
 * What every qvm-* tool shares: the common options, where its configuration comes from, and its
 * output streams. A tool's {@link #call()} returns its exit status; errors it throws are printed
 * by {@link ToolRunner} as {@code PROG: error: MESSAGE}.
 */
abstract class Tool implements Callable<Integer> {
    @CommandLine.Mixin
    CommonOptions common = new CommonOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The process environment; tests replace it. */
    Map<String, String> environment = System.getenv();

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    String programName() {
        return spec.name();
    }

    Path configPath() {
        return ConfigLoader.configPath(environment);
    }

    Configuration loadConfiguration(ConfigLoader.Recording recording) {
        return new ConfigLoader().load(configPath(), recording);
    }
}
