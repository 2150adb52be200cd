package org.qvm.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.LockFile;
import org.qvm.config.Vm;
import org.qvm.lifecycle.DryRun;
import org.qvm.lifecycle.Lifecycle;
import org.qvm.lifecycle.RuntimeState;
import org.qvm.lifecycle.VmState;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.CommandRunner;
import org.qvm.plan.ProcessRunner;
import picocli.CommandLine;

/**
 * What every qvm-* tool shares: the common options, where its configuration comes from, how it
 * runs external commands, its output streams, and the way it prints a plan for --dry-run. A
 * tool's {@link #call()} returns its exit status; errors it throws are printed by
 * {@link ToolRunner} as {@code PROG: error: MESSAGE}.
 */
abstract class Tool implements Callable<Integer> {
    @CommandLine.Mixin
    CommonOptions common = new CommonOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The process environment; tests replace it. */
    Map<String, String> environment = System.getenv();

    /** How external commands run; tests put them into a network namespace. Made when first needed. */
    CommandRunner runner;

    /** Where answers to questions, and qvm-run -p's input, come from; tests replace it. */
    java.io.InputStream input = System.in;

    /** Raw standard output and error, for bytes a guest sends; tests replace them. */
    java.io.OutputStream stdout = System.out;
    java.io.OutputStream stderr = System.err;

    /** Whether standard output and error are terminals; the tool server sets its client's, tests set them. */
    boolean stdoutTerminal = Terminal.stdoutIsTerminal();
    boolean stderrTerminal = Terminal.stderrIsTerminal();

    /** How Ctrl-C reaches the tool: this JVM's, or the tool server's client's. */
    Interrupts interrupts = Interrupts.JVM;

    /** The tool whose subcommand this is, if it is one: it holds the environment and the runner. */
    Tool parentTool() {
        Object parent = spec.parent() == null ? null : spec.parent().userObject();
        return parent instanceof Tool tool ? tool : null;
    }

    Map<String, String> environment() {
        return parentTool() == null ? environment : parentTool().environment();
    }

    CommandRunner runner() {
        if (parentTool() != null) {
            return parentTool().runner();
        }
        if (runner == null) {
            runner = new ProcessRunner(environment());
        }
        return runner;
    }

    java.io.InputStream input() {
        return parentTool() == null ? input : parentTool().input();
    }

    java.io.OutputStream stdout() {
        return parentTool() == null ? stdout : parentTool().stdout();
    }

    java.io.OutputStream stderr() {
        return parentTool() == null ? stderr : parentTool().stderr();
    }

    boolean stdoutTerminal() {
        return parentTool() == null ? stdoutTerminal : parentTool().stdoutTerminal();
    }

    boolean stderrTerminal() {
        return parentTool() == null ? stderrTerminal : parentTool().stderrTerminal();
    }

    Interrupts interrupts() {
        return parentTool() == null ? interrupts : parentTool().interrupts();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The name in messages: "qvm-volume", also for its subcommands. */
    String programName() {
        return parentTool() == null ? spec.name() : parentTool().programName();
    }

    Path configPath() {
        return ConfigLoader.configPath(environment());
    }

    Configuration loadConfiguration(ConfigLoader.Recording recording) {
        return new ConfigLoader().load(configPath(), recording);
    }

    /** What a tool's positional arguments are, for shell completion. */
    enum Arguments {
        NONE,
        /** Any number of VM names. */
        VMS,
        /** A VM name, then a command line in the guest. */
        VM_THEN_COMMAND,
        /** A VM name, then host files. */
        VM_THEN_FILES,
        /** Host files. */
        FILES,
        /** VM:VOLUME. */
        VOLUME,
        /** VM:private, then a size. */
        PRIVATE_VOLUME
    }

    Arguments arguments() {
        return Arguments.NONE;
    }

    /** Examples for the manual page, from the article's workflow: a command line, then what it does. */
    List<String[]> examples() {
        return List.of();
    }

    /** Adjusts how the command line is parsed, for tools that need it (qvm-run). */
    void configure(CommandLine commandLine) {
    }

    /** A usage error found after parsing: printed with the usage line, exit status 2. */
    CommandLine.ParameterException usageError(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    void warn(String message) {
        err().println(programName() + ": warning: " + message);
        err().flush();
    }

    /** --dry-run: the plan on standard output, one command per line; what would stop it as warnings. */
    void printDryRun(CheckedPlan plan) {
        printDryRun(DryRun.of(plan));
    }

    void printDryRun(DryRun plan) {
        plan.lines().forEach(out()::println);
        out().flush();
        plan.problems().forEach(problem -> warn("a real run would stop here: " + problem));
    }

    /** Asks on the terminal, Qubes-style; anything but y/yes is no. */
    boolean confirm(String question) {
        err().print(question + " [y/N] ");
        err().flush();
        try {
            String answer = new BufferedReader(new InputStreamReader(input(), StandardCharsets.UTF_8)).readLine();
            return answer != null && List.of("y", "yes").contains(answer.strip().toLowerCase(java.util.Locale.ROOT));
        } catch (IOException e) {
            return false;
        }
    }

    /** Takes the VM's lock (waiting while another qvm command changes the VM); close to let go. */
    LockFile lockVm(Configuration configuration, String vmName) throws IOException {
        return LockFile.acquire(configuration.host().vmLockFile(vmName));
    }

    /** Whether progress lines are shown: on a terminal, or with -v; never with -q. */
    boolean showProgress() {
        Tool parent = parentTool();
        boolean verbose = common.verbose.length > 0 || parent != null && parent.common.verbose.length > 0;
        return !quiet() && (verbose || stderrTerminal());
    }

    /** -q, given to this tool or to the one it is a subcommand of. */
    boolean quiet() {
        Tool parent = parentTool();
        return common.quiet || parent != null && parent.common.quiet;
    }

    /**
     * The lifecycle of a VM whose qvm-agent a tool needs ({@code forWhat}: "receives files"),
     * started first when it is halted, as Qubes' tools do.
     */
    Lifecycle runningWithAgent(Configuration configuration, Vm vm, String forWhat) {
        if (vm.definition().agent() != org.qvm.config.VmDefinition.Agent.QVM) {
            throw new IllegalStateException(vm.name() + " has no qvm-agent (agent = \""
                    + vm.definition().agent().name().toLowerCase(java.util.Locale.ROOT) + "\"), which " + forWhat);
        }
        Lifecycle lifecycle = lifecycle(configuration);
        if (lifecycle.stateOf(vm) != VmState.RUNNING) {
            lifecycle.start(vm, true, true);
        }
        return lifecycle;
    }

    /** The lifecycle service, printing progress lines to standard error when {@link #showProgress()}. */
    Lifecycle lifecycle(Configuration configuration) {
        boolean show = showProgress();
        return new Lifecycle(configuration, runner(), environment(), line -> {
            if (show) {
                synchronized (this) {
                    err().println(programName() + ": " + line);
                    err().flush();
                }
            }
        }, line -> {
            if (!quiet()) {
                synchronized (this) {
                    warn(line);
                }
            }
        });
    }

    /** Refuses to go on unless the VM is halted. */
    void requireHalted(Configuration configuration, Vm vm, String action) {
        VmState state = new RuntimeState(configuration.host()).stateOf(vm.name());
        if (state != VmState.HALTED) {
            throw new IllegalStateException(vm.name() + " is " + state.displayName().toLowerCase(java.util.Locale.ROOT)
                    + ": shut it down before you " + action);
        }
    }
}
