package org.qvm.cli;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.config.VmDefinition;
import org.qvm.guest.client.GuestClient;
import org.qvm.guest.client.GuestException;
import org.qvm.guest.client.ShellLoopClient;
import org.qvm.guest.protocol.ExecRequest;
import org.qvm.guest.protocol.Protocol;
import org.qvm.lifecycle.Lifecycle;
import org.qvm.lifecycle.VmState;
import org.qvm.plan.ShellQuote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** qvm-run: run a command in a VM. */
@Command(name = "qvm-run", header = "run a command in a VM", sortOptions = false, description = {
        "Run a command in a VM. A single COMMAND runs through the guest's shell; COMMAND with ARGS (or --no-shell) "
                + "runs as it is. Without -p the command runs on in the background in the VM (a GUI application) and "
                + "qvm-run returns at once; with -p its input and output are connected here and its exit status "
                + "becomes ours.",
        "A halted VM is started first (unless -n). Exit status: the command's, or 125 when the VM cannot be "
                + "reached, 126 when the request is refused, 127 when the command is not found; with --all the "
                + "largest. Ctrl-C is passed on to the command."})
final class QvmRun extends Tool {
    @Option(names = {"-p", "--pass-io"}, description = "Connect the command's standard input, output and error here.")
    boolean passIo;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "Run as this user in the VM.")
    String user = "";

    @Option(names = {"-n", "--no-autostart"}, description = "Do not start a halted VM: that is an error.")
    boolean noAutostart;

    @Option(names = "--autostart", description = "Start a halted VM first (the default).")
    boolean autostart;

    @Option(names = "--no-shell", description = "Run COMMAND as it is, not through the guest's shell.")
    boolean noShell;

    @Option(names = "--filter-escape-chars", negatable = true,
            description = "Replace control bytes in the output with '_' (default: on when the output is a terminal).")
    Boolean filterEscapeChars;

    @Option(names = "--all", description = "Run in every running VM (no VMNAME).")
    boolean all;

    @Option(names = "--dispvm", arity = "0..1", fallbackValue = "", paramLabel = "NAME",
            description = "Run in a new disposable VM (no VMNAME) of this disposable template (default: [defaults] dispvm), "
                    + "removed with everything it had when the command ends (without -p too: it waits for the command).")
    String dispvm;

    @Option(names = "--exclude", paramLabel = "NAME", description = "With --all: leave this VM out (repeatable).")
    List<String> exclude = new ArrayList<>();

    /** Without -p, wait for the command (its output dropped) instead of leaving it running: in a disposable. */
    private boolean waitForApplication;

    @Parameters(paramLabel = "VMNAME COMMAND [ARGS]", arity = "1..*", description = "The VM (not with --all), the command and its arguments.")
    List<String> words = new ArrayList<>();

    /** Everything after the VM name belongs to the command, options included ({@code qvm-run dev ls -l}). */
    @Override
    void configure(picocli.CommandLine commandLine) {
        commandLine.setStopAtPositional(true);
    }

    @Override
    Arguments arguments() {
        return Arguments.VM_THEN_COMMAND;
    }

    @Override
    List<String[]> examples() {
        return List.of(
                new String[] {"qvm-run dev firefox", "a Firefox window from dev, on this desktop (returns at once)"},
                new String[] {"qvm-run -p dev 'uname -a'", "run through the guest's shell; output and exit status come back"},
                new String[] {"tar -C ~/src -c project | qvm-run -p dev 'tar -C ~ -x'", "standard input goes to the guest with -p"},
                new String[] {"qvm-run -u root -p dev apt-get update", "as another user in the guest"});
    }

    @Override
    public Integer call() {
        if (!exclude.isEmpty() && !all) {
            throw new UsageException("--exclude only works together with --all");
        }
        if (dispvm != null) {
            if (all) {
                throw new UsageException("--dispvm and --all do not go together");
            }
            return runInDisposable();
        }
        List<String> command = all ? words : words.subList(1, words.size());
        if (command.isEmpty()) {
            throw new UsageException("no command given");
        }
        Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
        Lifecycle lifecycle = lifecycle(configuration);
        List<Vm> vms;
        if (all) {
            exclude.forEach(configuration::require);
            vms = configuration.vms().stream().filter(vm -> !exclude.contains(vm.name()))
                    .filter(vm -> lifecycle.stateOf(vm) == VmState.RUNNING).toList();
        } else {
            vms = List.of(configuration.require(words.get(0)));
        }
        int worst = 0;
        for (Vm vm : vms) {
            worst = Math.max(worst, runIn(lifecycle, vm, command));
        }
        return worst;
    }

    private int runIn(Lifecycle lifecycle, Vm vm, List<String> command) {
        try {
            VmState state = lifecycle.stateOf(vm);
            if (state != VmState.RUNNING) {
                if (noAutostart || state != VmState.HALTED && state != VmState.CRASHED) {
                    throw new GuestException(1, vm.name() + " is " + state.displayName().toLowerCase(java.util.Locale.ROOT)
                            + (noAutostart ? " (and -n says not to start it)" : ""));
                }
                lifecycle.start(vm, true, true);
            }
            boolean shell = command.size() == 1 && !noShell;
            return switch (vm.definition().agent()) {
                case NONE -> throw new GuestException(Protocol.STATUS_TRANSPORT, vm.name() + " has no guest agent (agent = "
                        + "\"none\" in " + vm.definition().file() + ")");
                case SHELL -> {
                    String line = shell ? command.get(0) : ShellQuote.join(command);
                    new ShellLoopClient(lifecycle.guestEndpoint(vm), lifecycle.guestLimits()).run(line, passIo ? output(stdout(), true) : null);
                    yield 0;
                }
                case QVM -> runWithAgent(lifecycle, vm, new ExecRequest(shell, passIo || waitForApplication, user, "", command,
                        List.of(), !passIo && windowsByWaypipe(vm)));
            };
        } catch (GuestException e) {
            return failed(vm, e.getMessage(), e.status());
        } catch (RuntimeException e) {
            return failed(vm, e.getMessage(), Protocol.STATUS_TRANSPORT);
        }
    }

    /**
     * qvm-run --dispvm: a new disposable of the template, started, the command run in it, and the
     * disposable removed with everything it had when the command ends, however it ends (Ctrl-C,
     * an error, qvm-run itself told to stop). Without -p the command's output is dropped, but it
     * is waited for: the disposable lives as long as the application.
     */
    private int runInDisposable() {
        Configuration configuration = loadConfiguration(ConfigLoader.Recording.IF_POSSIBLE);
        List<String> command = new ArrayList<>(words);
        String template = dispvm;
        if (!template.isEmpty() && configuration.find(template).isEmpty() && !words.isEmpty()) {
            // "--dispvm CMD": the word after it is the command, not a template.
            command.add(0, template);
            template = "";
        }
        String name = DisposableJob.template(configuration, template).name();
        if (command.isEmpty()) {
            throw new UsageException("no command given");
        }
        try {
            // Without -p the application is waited for all the same: the disposable lives as long as it does.
            waitForApplication = true;
            return DisposableJob.run(this, name, disposable -> runIn(disposable.lifecycle(), disposable.vm(), command));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Says why a command could not run in the VM; returns the exit status that goes with it. */
    private int failed(Vm vm, String message, int status) {
        err().println(programName() + ": error: " + vm.name() + ": " + message);
        err().flush();
        return status;
    }

    /** A command started without -p on a VM whose windows travel by waypipe is an application with windows: it runs under waypipe. */
    private static boolean windowsByWaypipe(Vm vm) {
        return vm.definition().windowsByWaypipe();
    }

    private int runWithAgent(Lifecycle lifecycle, Vm vm, ExecRequest request) throws GuestException {
        GuestClient client = lifecycle.guestClient(vm);
        if (!passIo && waitForApplication) {
            OutputStream discard = OutputStream.nullOutputStream();
            return client.run(request, java.io.InputStream.nullInputStream(), discard, discard, signals -> { });
        }
        if (!passIo) {
            client.startDetached(request);
            return 0;
        }
        AtomicReference<GuestClient.Signals> signals = new AtomicReference<>();
        AtomicInteger interrupts = new AtomicInteger();
        Object previous = interrupts().onCtrlC(() -> {
            if (interrupts.incrementAndGet() > 1 || signals.get() == null) {
                if (signals.get() != null) {
                    signals.get().hangUp();
                }
                interrupts().exitNow(130);
                return;
            }
            signals.get().send(2);
        });
        try {
            return client.run(request, input(), output(stdout(), true), output(stderr(), false), signals::set);
        } finally {
            interrupts().restore(previous);
        }
    }

    private OutputStream output(OutputStream stream, boolean isStdout) {
        boolean filter = filterEscapeChars != null ? filterEscapeChars
                : isStdout ? stdoutTerminal() : stderrTerminal();
        return filter ? new EscapeFilter(stream) : stream;
    }
}
