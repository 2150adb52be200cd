package org.qvm.lifecycle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.qvm.config.Configuration;
import org.qvm.config.HostConfig;
import org.qvm.config.LockFile;
import org.qvm.config.Vm;
import org.qvm.config.VmDefinition;
import org.qvm.hypervisor.Companion;
import org.qvm.hypervisor.ControlException;
import org.qvm.hypervisor.ControlRequest;
import org.qvm.hypervisor.Hypervisor;
import org.qvm.guest.Deadline;
import org.qvm.guest.client.GuestClient;
import org.qvm.guest.client.GuestEndpoint;
import org.qvm.guest.client.GuestException;
import org.qvm.network.VmNetwork;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.Command;
import org.qvm.plan.CommandFailedException;
import org.qvm.plan.CommandRunner;
import org.qvm.plan.Plan;
import org.qvm.plan.PlanExecutor;
import org.qvm.plan.PlanFailedException;
import org.qvm.storage.VmStorage;

/**
 * Starts and stops VMs: storage, network, runtime directory and the hypervisor, in that order, and
 * back. It is the same for every hypervisor: each answers only what differs ({@link Hypervisor}:
 * its command line, what runs beside it, how it is controlled). Every operation on a VM holds the
 * VM's lock, so two commands never act on one VM at once; the state file and the process identity
 * in it let the next command repair what a crashed one left.
 */
public final class Lifecycle {
    /** How long the hypervisor gets to exit after it was told to stop before it is killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(20);
    /** How long a detached process (hypervisor, companion, console keeper) may take to show up. */
    private static final Duration FIND_LIMIT = Duration.ofSeconds(5);
    private static final Duration FIND_POLL = Duration.ofMillis(2);
    private static final int LOG_TAIL_LINES = 15;
    /** How long qvm-kill waits for a command that holds the VM's lock to let go, once the VM is down. */
    static final Duration KILL_LOCK_LIMIT = Duration.ofSeconds(30);
    /** How long the console log's keeper and companions get to finish by themselves once the hypervisor is gone. */
    static final Duration KEEPER_GRACE = Duration.ofSeconds(2);

    private final HostConfig host;
    private final CommandRunner runner;
    private final PlanExecutor executor;
    private final VmStorage storage;
    private final VmNetwork network;
    private final RuntimeState runtime;
    private final Map<String, String> environment;
    private final Consumer<String> progress;
    private final Consumer<String> warnings;

    public Lifecycle(Configuration configuration, CommandRunner runner, Map<String, String> environment,
                     Consumer<String> progress) {
        this(configuration, runner, environment, progress, progress);
    }

    /** With {@code warnings}: what a user should see even without progress (qemu falling back to emulation). */
    public Lifecycle(Configuration configuration, CommandRunner runner, Map<String, String> environment,
                     Consumer<String> progress, Consumer<String> warnings) {
        this.host = configuration.host();
        this.runner = runner;
        this.executor = new PlanExecutor(runner);
        this.storage = new VmStorage(VmStorage.poolFor(host, runner), runner);
        this.network = new VmNetwork(host, runner);
        this.runtime = new RuntimeState(host);
        this.environment = Map.copyOf(environment);
        this.progress = progress;
        this.warnings = warnings;
    }

    public VmState stateOf(Vm vm) {
        return runtime.stateOf(vm.name());
    }

    /** Where the VM's guest agent is reached: its vsock CID, or the hybrid-vsock socket in its runtime directory. */
    public GuestEndpoint guestEndpoint(Vm vm) {
        return switch (host.guest().transport()) {
            case VSOCK -> new GuestEndpoint.Vsock(vm.cid(), host.guest().port());
            case UNIX -> new GuestEndpoint.Hybrid(RuntimeDir.of(host, vm.name()).vsockSocket(), host.guest().port());
            case TCP -> new GuestEndpoint.Tcp(vm.link().orElseThrow(() -> new LifecycleException(vm.name()
                    + " has no network, and [guest] transport = \"tcp\" reaches agents over it")).guest().toString(),
                    host.guest().port());
        };
    }

    // ---- start ----

    /** Everything starting the VM would do, for --dry-run: reads the current state, changes nothing. */
    public StartPlan planStart(Vm vm) {
        return planStart(vm, storage.planPrepare(vm), network.planUp(vm));
    }

    private StartPlan planStart(Vm vm, CheckedPlan storagePlan, CheckedPlan networkPlan) {
        return StartPlanner.plan(host, vm, Hypervisors.configured(host, vm), storage.privateVolume(vm),
                network.kernelParameter(vm), environment, storagePlan, networkPlan);
    }

    static Command unmount(Path mountPoint) {
        // 32: not mounted (any more), which is what we want.
        return Command.of("umount", mountPoint.toString()).succeedingOn(0, 32);
    }

    /** What {@link #start} did. */
    public enum StartOutcome { STARTED, ALREADY_RUNNING }

    /**
     * Starts the VM and, with {@code wait}, waits until it is up. If any step fails, what this
     * start set up is taken down again (the hypervisor and what runs beside it, mounts, network; volumes are kept) and the error
     * names the step and ends with the tail of the VM's logs.
     */
    public StartOutcome start(Vm vm, boolean skipIfRunning, boolean wait) {
        if (vm.definition().disposableTemplate()) {
            throw new LifecycleException(vm.name() + " is a disposable template: it is never started itself; "
                    + "qvm-run --dispvm=" + vm.name() + " COMMAND makes a disposable of it");
        }
        try (LockFile lock = lock(vm)) {
            Optional<RuntimeState.Recorded> recorded = runtime.read(vm.name());
            VmState state = recorded.map(RuntimeState::effective).orElse(VmState.HALTED);
            if (state == VmState.STARTING) {
                // We hold the VM's lock, so whoever was starting it is gone (a crashed qvm-start).
                Optional<ProcessIdentity> running = hypervisorProcessOf(vm, recorded.get());
                if (running.isPresent() && adopt(vm, running.get(), wait)) {
                    return StartOutcome.STARTED;
                }
                state = VmState.CRASHED;
            }
            if (state == VmState.RUNNING || state == VmState.PAUSED || state == VmState.HALTING) {
                if (skipIfRunning) {
                    if (state != VmState.HALTING) {
                        putBackNetwork(vm);
                    }
                    return StartOutcome.ALREADY_RUNNING;
                }
                throw new LifecycleException(vm.name() + " is already " + state.displayName().toLowerCase(java.util.Locale.ROOT));
            }
            if (leftOver(vm.name())) {
                progress.accept(vm.name() + ": cleaning up after the last run (" + state.displayName() + ")");
                cleanUp(vm);
            }
            startHalted(vm, wait);
            return StartOutcome.STARTED;
        } catch (IOException e) {
            throw new LifecycleException("cannot start " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Puts back a running VM's network rules where they are missing (a flushed ruleset, say), and
     * nothing else: a VM that does not run is left alone.
     *
     * @return whether there was anything to put back
     */
    public boolean restoreNetwork(Vm vm) {
        try (LockFile lock = lock(vm)) {
            VmState state = runtime.stateOf(vm.name());
            return (state == VmState.RUNNING || state == VmState.PAUSED) && putBackNetwork(vm);
        } catch (IOException e) {
            throw new LifecycleException("cannot restore the network of " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    private boolean putBackNetwork(Vm vm) {
        try {
            boolean changed = network.up(vm);
            if (changed) {
                progress.accept(vm.name() + ": its network rules were missing; put back");
            }
            return changed;
        } catch (org.qvm.network.NetworkException | PlanFailedException e) {
            throw new LifecycleException("cannot restore the network of " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts the VM and stays with it, for a service manager ({@code qvm-start --foreground}
     * under qvm@.service): copies its logs to {@code lines} until the hypervisor exits, cleans up,
     * and returns the hypervisor's exit status. crosvm's: 0 when the guest powered off or was shut
     * down, 32 when it rebooted, 33 when it crashed, 34 on a guest panic; qemu's: 0 when the guest
     * powered off, rebooted or was stopped.
     */
    public int runInForeground(Vm vm, Consumer<String> lines) {
        Process[] launched = new Process[1];
        Hypervisor hypervisor = Hypervisors.configured(host, vm);
        try (LockFile lock = lock(vm)) {
            VmState state = runtime.stateOf(vm.name());
            if (state != VmState.HALTED && state != VmState.CRASHED) {
                throw new LifecycleException(vm.name() + " is already " + state.displayName().toLowerCase(java.util.Locale.ROOT)
                        + "; stop it first to run it in the foreground");
            }
            if (leftOver(vm.name())) {
                cleanUp(vm);
            }
            // In the foreground the hypervisor is our child, for its exit status.
            startHalted(vm, true, new Launcher() {
                @Override
                public void keepConsole(StartPlan plan, RuntimeDir dir) {
                    new ConsoleLog(dir.consolePipe(), dir.consoleLog()).startThread();
                }

                @Override
                public ProcessIdentity launch(StartPlan plan, RuntimeDir dir) {
                    launched[0] = runner.launch(Command.of(plan.launch()), dir.hypervisorLog(plan.hypervisor()));
                    return ProcessIdentity.of(launched[0].pid()).orElseThrow(() -> new LifecycleException("cannot start "
                            + vm.name() + ": " + plan.hypervisor().name() + " exited at once" + logTail(dir, plan.hypervisor())));
                }
            });
        } catch (IOException e) {
            throw new LifecycleException("cannot start " + vm.name() + ": " + e.getMessage(), e);
        }
        LogFollower follower = new LogFollower(RuntimeDir.of(host, vm.name()), hypervisor, lines);
        follower.start();
        int status;
        try {
            status = launched[0].waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LifecycleException("interrupted while " + vm.name() + " runs");
        } finally {
            follower.finish();
        }
        try (LockFile lock = lock(vm)) {
            if (leftOver(vm.name())) {
                cleanUp(vm);
            }
        } catch (IOException e) {
            throw new LifecycleException("cannot clean up after " + vm.name() + ": " + e.getMessage(), e);
        }
        return status;
    }

    /**
     * Finishes a start whose qvm-start died after launching the hypervisor: waits for the VM to
     * come up and records it as running. If it does not come up, the VM is stopped and false returned.
     */
    private boolean adopt(Vm vm, ProcessIdentity process, boolean wait) throws IOException {
        Hypervisor hypervisor = Hypervisors.running(host, vm);
        progress.accept(vm.name() + ": finishing a start that was interrupted (" + hypervisor.name() + " pid "
                + process.pid() + ")");
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        try {
            if (wait) {
                waitUntilUp(vm, hypervisor, process::isAlive, dir, Deadline.in(host.guest().startTimeout()));
            }
            // A hypervisor found by its control socket was never recorded: record it now.
            runtime.write(vm.name(), VmState.RUNNING, Optional.of(process));
            return true;
        } catch (LifecycleException e) {
            progress.accept(vm.name() + ": " + e.getMessage());
            stopProcess(vm, hypervisor, Optional.of(process), dir);
            return false;
        }
    }

    /**
     * How the hypervisor and the keeper of its console are started: detached, each a process of
     * its own (qvm-start), or the hypervisor as our child and the console kept by a thread of ours
     * (in the foreground). Companions are always detached.
     */
    private interface Launcher {
        void keepConsole(StartPlan plan, RuntimeDir dir);

        ProcessIdentity launch(StartPlan plan, RuntimeDir dir);
    }

    /** Starts a halted VM with its hypervisor and its console's keeper detached. */
    private void startHalted(Vm vm, boolean wait) throws IOException {
        startHalted(vm, wait, new Launcher() {
            @Override
            public void keepConsole(StartPlan plan, RuntimeDir dir) {
                startedDetached(runner.detach(Command.of(plan.consoleLog()), dir.hypervisorLog(plan.hypervisor())),
                        () -> consoleLogOf(dir), () -> "the keeper of the console log did not start" + logTail(dir, plan.hypervisor()));
            }

            @Override
            public ProcessIdentity launch(StartPlan plan, RuntimeDir dir) {
                return launchDetached(vm, plan, dir);
            }
        });
    }

    private void startHalted(Vm vm, boolean wait, Launcher launcher) throws IOException {
        // The network is planned and checked under its lock, by network.up: its state read once,
        // not also here (three processes); something in its way there undoes the start.
        StartPlan plan = planStart(vm, storage.planPrepare(vm), CheckedPlan.NOTHING);
        if (!plan.problems().isEmpty()) {
            throw new LifecycleException("cannot start " + vm.name() + ": " + String.join("; ", plan.problems()));
        }
        plan.warnings().forEach(warnings);
        Hypervisor hypervisor = plan.hypervisor();
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        // start-timeout bounds the whole start: companions, hypervisor and guest, whatever each does.
        Deadline deadline = Deadline.in(host.guest().startTimeout());
        boolean networkUp = false;
        ProcessIdentity launched = null;
        try {
            step(vm, "runtime directory", () -> executor.execute(plan.runtime()));
            Files.deleteIfExists(dir.controlSocket(hypervisor));
            Files.deleteIfExists(dir.vsockSocket());
            Files.writeString(dir.hypervisorFile(), hypervisor.name() + "\n");
            runtime.write(vm.name(), VmState.STARTING, Optional.empty());
            // What the hypervisor needs when it starts (its console's keeper, qemu's virtiofsd) gets
            // ready while the storage and the network are, side by side.
            CompletableFuture<Void> neededAtLaunch = CompletableFuture.allOf(
                    inBackground(() -> startCompanions(vm, plan, dir, true, deadline)),
                    inBackground(() -> step(vm, "console log", () -> launcher.keepConsole(plan, dir))));
            try {
                step(vm, "storage", () -> storage.prepare(vm));
                progress.accept(vm.name() + ": storage ready");
                step(vm, "network", () -> network.up(vm));
                networkUp = vm.link().isPresent();
                progress.accept(vm.name() + ": network up");
            } catch (RuntimeException | IOException failed) {
                // Nothing is undone while they are still being started; this failure is the one told.
                neededAtLaunch.exceptionally(ignored -> null).join();
                throw failed;
            }
            awaitCompanions(neededAtLaunch);
            // The others get ready while the hypervisor starts, and before the VM is running.
            CompletableFuture<Void> others = inBackground(() -> startCompanions(vm, plan, dir, false, deadline));
            try {
                launched = launcher.launch(plan, dir);
                runtime.write(vm.name(), VmState.STARTING, Optional.of(launched));
                progress.accept(vm.name() + ": " + hypervisor.name() + " started (pid " + launched.pid() + ")");
            } catch (RuntimeException | IOException launchFailed) {
                // Nothing is undone while they are still being started; the launch's failure is the one told.
                others.exceptionally(failed -> null).join();
                throw launchFailed;
            }
            if (wait) {
                // The others (a Wayland proxy: a JVM) get ready while the guest boots; one that failed ends the wait.
                ProcessIdentity hypervisorProcess = launched;
                waitUntilUp(vm, hypervisor, () -> companionsHaveNotFailed(vm, others) && hypervisorProcess.isAlive(), dir, deadline);
            }
            if (!others.isDone()) {
                progress.accept(vm.name() + ": waiting for " + String.join(" and ", plan.companions().stream()
                        .filter(companion -> !companion.readyBeforeLaunch()).map(Companion::what).toList()));
            }
            awaitCompanions(others);
            runtime.write(vm.name(), VmState.RUNNING, Optional.empty());
            progress.accept(vm.name() + ": running");
        } catch (RuntimeException | IOException failure) {
            undoStart(vm, hypervisor, launched, plan.runtime(), networkUp);
            throw failure instanceof LifecycleException lifecycle ? lifecycle
                    : new LifecycleException("cannot start " + vm.name() + ": " + (failure.getMessage() == null
                            ? failure.toString() : failure.getMessage()), failure);
        }
    }

    /** Starts processes that run beside the hypervisor in a thread of their own; {@link #awaitCompanions} waits for them. */
    private static CompletableFuture<Void> inBackground(Action starts) {
        return CompletableFuture.runAsync(() -> {
            try {
                starts.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, companionStarter);
    }

    /** Runs the companions that start beside the hypervisor (a daemon thread: a tool's exit never waits for it). */
    private static final java.util.concurrent.Executor companionStarter = job -> {
        Thread thread = new Thread(job, "qvm-companions");
        thread.setDaemon(true);
        thread.start();
    };

    /** True while the companions getting ready beside a booting guest have not failed; their failure is the start's. */
    private static boolean companionsHaveNotFailed(Vm vm, CompletableFuture<Void> companions) {
        if (companions.isCompletedExceptionally()) {
            try {
                awaitCompanions(companions);
            } catch (IOException e) {
                throw new LifecycleException("cannot start " + vm.name() + ": " + e.getMessage(), e);
            }
        }
        return true;
    }

    /** Waits for the companions started beside the hypervisor; their failure is the start's. */
    private static void awaitCompanions(CompletableFuture<Void> companions) throws IOException {
        try {
            companions.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    /**
     * Starts the VM's companions that the hypervisor needs when it starts ({@code atLaunch}) or the
     * others, each ready before the next starts (one may use another), each a step of the start.
     */
    private void startCompanions(Vm vm, StartPlan plan, RuntimeDir dir, boolean atLaunch, Deadline deadline)
            throws IOException {
        for (Companion companion : plan.companions()) {
            if (companion.readyBeforeLaunch() == atLaunch) {
                step(vm, companion.what(), () -> startCompanion(companion, dir, plan.hypervisor(), deadline));
            }
        }
    }

    /**
     * Starts a companion detached and waits until it is ready (its socket is there) or gone. A
     * companion that is alive but slow (a JVM among twenty starting at once on a loaded host) may
     * take until the start's deadline ({@code start-timeout}): one that exits fails the start at once.
     */
    private void startCompanion(Companion companion, RuntimeDir dir, Hypervisor hypervisor, Deadline deadline) {
        ProcessIdentity process = startedDetached(runner.detach(companion.command(), dir.hypervisorLog(hypervisor)),
                () -> ProcessIdentity.sessionLeaderWithArgumentsContaining(companion.identifyingArguments()),
                () -> companion.what() + " exited at once" + logTail(dir, hypervisor));
        while (!Files.exists(companion.readyWhen())) {
            if (!process.isAlive() || deadline.passed()) {
                throw new LifecycleException(companion.what() + (process.isAlive() ? " did not make " + companion.readyWhen()
                        + " within " + host.guest().startTimeout().toSeconds() + " s ([guest] start-timeout)" : " exited") + logTail(dir, hypervisor));
            }
            sleep(FIND_POLL);
        }
    }

    /** The hypervisor whose command line names the VM's control socket (it leads a session of its own). */
    private static Optional<ProcessIdentity> serving(Hypervisor hypervisor, RuntimeDir dir) {
        return ProcessIdentity.sessionLeaderWithArguments(hypervisor.identifyingArguments(dir.controlSocket(hypervisor)));
    }

    /**
     * Starts the hypervisor detached (so that qvm-start can exit as soon as the VM is up) and
     * knows it: by the PID it was spawned with, else as the session leader whose command line names
     * the VM's control socket.
     */
    private ProcessIdentity launchDetached(Vm vm, StartPlan plan, RuntimeDir dir) {
        Hypervisor hypervisor = plan.hypervisor();
        java.util.OptionalLong pid;
        try {
            pid = runner.detach(Command.of(plan.launch()), dir.hypervisorLog(hypervisor));
        } catch (CommandFailedException e) {
            throw new LifecycleException("cannot start " + vm.name() + " at step " + hypervisor.name() + ": "
                    + e.getMessage(), e);
        }
        return startedDetached(pid, () -> serving(hypervisor, dir), () -> "cannot start " + vm.name() + ": "
                + hypervisor.name() + " exited at once" + logTail(dir, hypervisor));
    }

    /**
     * A process just started detached: the one with its PID where the runner spawned it itself and
     * knows it, else the one {@code finder} finds by its command line (see {@link #findDetached}).
     */
    private static ProcessIdentity startedDetached(java.util.OptionalLong pid,
                                                   java.util.function.Supplier<Optional<ProcessIdentity>> finder,
                                                   java.util.function.Supplier<String> notFound) {
        if (pid.isPresent()) {
            return ProcessIdentity.of(pid.getAsLong()).orElseThrow(() -> new LifecycleException(notFound.get()));
        }
        return findDetached(finder, notFound);
    }

    /** A process just started detached, found by its command line (it takes a moment to show). */
    private static ProcessIdentity findDetached(java.util.function.Supplier<Optional<ProcessIdentity>> finder,
                                                java.util.function.Supplier<String> notFound) {
        Deadline deadline = Deadline.in(FIND_LIMIT);
        while (true) {
            Optional<ProcessIdentity> found = finder.get();
            if (found.isPresent()) {
                return found.get();
            }
            if (deadline.passed()) {
                throw new LifecycleException(notFound.get());
            }
            sleep(FIND_POLL);
        }
    }

    /** The keeper of the VM's console log, when it is a process of its own (a VM started in the background). */
    private static Optional<ProcessIdentity> consoleLogOf(RuntimeDir dir) {
        return ProcessIdentity.sessionLeaderWithArguments(ConsoleLog.identifyingArguments(dir));
    }

    /**
     * Once the hypervisor is gone: waits for what ran beside it to end by itself (the console
     * log's keeper once it has copied what is left, a virtiofsd once qemu let go of it) or,
     * {@code now} (a failed start, whose hypervisor may never have opened them) or past
     * {@link #KEEPER_GRACE}, ends it (SIGTERM, then SIGKILL). Such processes are the session
     * leaders whose command line names something in the VM's runtime directory: so nothing of a VM
     * outlives its shutdown or a failed start.
     */
    private static void finishLeftovers(RuntimeDir dir, boolean now) {
        // The Wayland proxy and the waypipe client serve only this VM, and never end by themselves: they go at once.
        List<ProcessIdentity> proxies = new ArrayList<>(ProcessIdentity.sessionLeadersMentioning(dir.waylandSocket().toString()));
        proxies.addAll(ProcessIdentity.sessionLeadersMentioning(dir.desktopDir() + "/"));
        List<ProcessIdentity> leftovers = new ArrayList<>(ProcessIdentity.sessionLeadersMentioning(dir.dir() + "/"));
        proxies.stream().filter(process -> !leftovers.contains(process)).forEach(leftovers::add);
        Deadline grace = Deadline.in(now ? Duration.ZERO : KEEPER_GRACE);
        for (ProcessIdentity process : leftovers) {
            if (exited(process, proxies.contains(process) ? Duration.ZERO : grace.remaining())) {
                continue;
            }
            process.terminate();
            if (!exited(process, STOP_GRACE)) {
                process.kill();
                exited(process, STOP_GRACE);
            }
        }
    }

    private interface Action {
        void run() throws IOException;
    }

    private static void step(Vm vm, String name, Action action) throws IOException {
        try {
            action.run();
        } catch (PlanFailedException | CommandFailedException | org.qvm.network.NetworkException
                 | org.qvm.storage.StorageException e) {
            throw new LifecycleException("cannot start " + vm.name() + " at step " + name + ": " + e.getMessage(), e);
        } catch (LifecycleException e) {
            throw new LifecycleException("cannot start " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Until the VM is up: the hypervisor has made its control socket and, with an agent, the agent
     * answers (qvm-agent: a ping; the article's shell loop: a connection). A hypervisor that exits,
     * or the start timeout, is a failed start. The timeout is a hard deadline: no ping, however
     * the guest behaves, waits past it.
     */
    private void waitUntilUp(Vm vm, Hypervisor hypervisor, java.util.function.BooleanSupplier alive, RuntimeDir dir,
                             Deadline deadline) {
        Path controlSocket = dir.controlSocket(hypervisor);
        boolean waitingForAgent = false;
        while (!isUp(vm, controlSocket, deadline)) {
            if (!alive.getAsBoolean()) {
                throw new LifecycleException("cannot start " + vm.name() + ": " + hypervisor.name()
                        + " exited before the VM came up" + logTail(dir, hypervisor));
            }
            if (deadline.passed()) {
                boolean hypervisorUp = Files.exists(controlSocket);
                throw new LifecycleException("cannot start " + vm.name() + ": " + (hypervisorUp ? "its guest agent did not "
                        + "answer (" + guestEndpoint(vm) + ")" : hypervisor.name() + " did not come up") + " within "
                        + host.guest().startTimeout().toSeconds() + " s ([guest] start-timeout)" + logTail(dir, hypervisor));
            }
            if (!waitingForAgent && Files.exists(controlSocket)) {
                waitingForAgent = true;
                progress.accept(vm.name() + ": waiting for the guest agent");
            }
            sleep(POLL);
        }
    }

    private boolean isUp(Vm vm, Path controlSocket, Deadline deadline) {
        if (!Files.exists(controlSocket)) {
            return false;
        }
        return switch (vm.definition().agent()) {
            case NONE -> true;
            case QVM -> answers(() -> guestClient(vm).until(deadline).ping());
            case SHELL -> answers(() -> guestEndpoint(vm).connect(deadline.atMost(guestLimits().connect())).close());
        };
    }

    /** A client for the VM's agent, with the protocol's bounds on every step ([guest] answer-timeout). */
    public GuestClient guestClient(Vm vm) {
        return new GuestClient(guestEndpoint(vm), guestLimits());
    }

    /** How long each step of the guest protocol may take on this host. */
    public GuestClient.Limits guestLimits() {
        return GuestClient.Limits.forAnswers(host.guest().answerTimeout());
    }

    private interface Probe {
        void run() throws Exception;
    }

    private static boolean answers(Probe probe) {
        try {
            probe.run();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Takes away what a failed start set up; volumes stay. Problems here are added to the log, not thrown. */
    private void undoStart(Vm vm, Hypervisor hypervisor, ProcessIdentity launched, Plan runtimeSteps, boolean networkUp) {
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        // A hypervisor that was started but not found in time is looked for once more, and stopped.
        Optional<ProcessIdentity> running = (launched != null ? Optional.of(launched) : serving(hypervisor, dir))
                .filter(ProcessIdentity::isAlive);
        if (running.isPresent()) {
            stopProcess(vm, hypervisor, running, dir);
        }
        finishLeftovers(dir, true);
        executor.undoAll(runtimeSteps).forEach(failed -> progress.accept(vm.name() + ": " + failed));
        if (networkUp) {
            try {
                network.down(vm.name());
            } catch (RuntimeException e) {
                progress.accept(vm.name() + ": could not take the network down: " + e.getMessage());
            }
        }
        // The runtime directory goes too (with its state file): the start made it, and is undone.
        try {
            executor.executeAll(removeRuntimeDir(vm.name()));
        } catch (RuntimeException e) {
            progress.accept(vm.name() + ": could not remove " + dir.dir() + ": " + e.getMessage());
        }
    }

    // ---- stop ----

    /** What shutting down (or killing) the VM would do, for --dry-run: the request to its hypervisor, then the clean-up. */
    public DryRun planShutdown(Vm vm, boolean kill) {
        Hypervisor hypervisor = Hypervisors.running(host, vm);
        Path controlSocket = RuntimeDir.of(host, vm.name()).controlSocket(hypervisor);
        // With qvm-agent, a power-off request goes to the agent first; the power button is the fallback.
        ControlRequest request = kill ? hypervisor.stop(controlSocket) : hypervisor.powerButton(controlSocket);
        return DryRun.of(request).then(cleanUpPlan(vm.name()));
    }

    /**
     * Asks the guest to power off (through its agent, else the ACPI power button). With
     * {@code wait}, waits for the hypervisor to exit, then takes the network and the runtime
     * directory away. {@code timeout} is a hard deadline for all of it, whatever the guest does:
     * the power-off request, the wait, and the VM's lock if another command holds it. Past it the
     * VM is stopped (the hypervisor's stop, then SIGKILL), as {@link #kill} does. Without
     * {@code wait}, returns once the guest was asked.
     *
     * @return false if the VM was not running
     */
    public boolean shutdown(Vm vm, boolean wait, Duration timeout) {
        Deadline deadline = Deadline.in(timeout);
        Optional<LockFile> locked;
        try {
            locked = LockFile.acquire(host.vmLockFile(vm.name()), deadline.remaining());
        } catch (IOException e) {
            throw new LifecycleException("cannot shut down " + vm.name() + ": " + e.getMessage(), e);
        }
        if (locked.isEmpty()) {
            progress.accept(vm.name() + ": another qvm command still works on it after " + timeout.toSeconds()
                    + " s; stopping it");
            return kill(vm);
        }
        try (LockFile lock = locked.get()) {
            Optional<RuntimeState.Recorded> recorded = runtime.read(vm.name());
            VmState state = recorded.map(RuntimeState::effective).orElse(VmState.HALTED);
            if (state == VmState.HALTED || state == VmState.CRASHED) {
                if (leftOver(vm.name())) {
                    cleanUp(vm);
                }
                return false;
            }
            RuntimeDir dir = RuntimeDir.of(host, vm.name());
            Hypervisor hypervisor = Hypervisors.running(host, vm);
            Optional<ProcessIdentity> process = hypervisorProcessOf(vm, recorded.get());
            if (state == VmState.PAUSED) {
                sendQuietly(vm, hypervisor.resume(dir.controlSocket(hypervisor)));
            }
            if (state != VmState.HALTING) {
                runtime.write(vm.name(), VmState.HALTING, Optional.empty());
                ControlException refused = powerButton(vm, hypervisor, dir, deadline);
                if (refused != null) {
                    progress.accept(vm.name() + ": the power button did not work (" + refused.getMessage() + "); stopping it");
                    stopProcess(vm, hypervisor, process, dir);
                }
            }
            if (!wait) {
                return true;
            }
            progress.accept(vm.name() + ": waiting for it to power off");
            if (process.isPresent() && !exited(process.get(), deadline.remaining())) {
                progress.accept(vm.name() + ": still running after " + timeout.toSeconds() + " s; stopping it");
                stopProcess(vm, hypervisor, process, dir);
            }
            cleanUp(vm);
            return true;
        } catch (IOException e) {
            throw new LifecycleException("cannot shut down " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Asks the guest to power off: through its agent when it has qvm-agent, else (or if the agent
     * does not answer before the deadline) with the ACPI power button. Returns why neither worked, or null.
     */
    private ControlException powerButton(Vm vm, Hypervisor hypervisor, RuntimeDir dir, Deadline deadline) {
        if (vm.definition().agent() == VmDefinition.Agent.QVM) {
            try {
                guestClient(vm).until(deadline).powerOff();
                return null;
            } catch (GuestException e) {
                progress.accept(vm.name() + ": the agent did not take the power-off (" + e.getMessage()
                        + "); pressing the power button");
            }
        }
        try {
            hypervisor.powerButton(dir.controlSocket(hypervisor)).send(runner);
            return null;
        } catch (ControlException e) {
            return e;
        }
    }

    /** Sends a request whose failure changes nothing for the caller (stopping what may be gone already). */
    private void sendQuietly(Vm vm, ControlRequest request) {
        try {
            request.send(runner);
        } catch (ControlException e) {
            progress.accept(vm.name() + ": " + e.getMessage());
        }
    }

    /**
     * Stops the VM at once (the hypervisor's stop, then SIGKILL) and cleans up. It never waits
     * behind another command: if one holds the VM's lock (say a qvm-start or qvm-shutdown stuck on
     * a guest that stopped answering), the VM is taken down first, without the lock; that command
     * then fails and lets go, and the cleaning up happens under the lock.
     */
    public boolean kill(Vm vm) {
        Optional<LockFile> locked;
        try {
            locked = LockFile.acquire(host.vmLockFile(vm.name()), Duration.ZERO);
            if (locked.isEmpty()) {
                progress.accept(vm.name() + ": another qvm command is working on it; stopping the VM first");
                locked = takeDownUntilLocked(vm);
            }
        } catch (IOException e) {
            throw new LifecycleException("cannot kill " + vm.name() + ": " + e.getMessage(), e);
        }
        if (locked.isEmpty()) {
            throw new LifecycleException(vm.name() + " is stopped, but another qvm command still holds it after "
                    + KILL_LOCK_LIMIT.toSeconds() + " s; its network and runtime directory go at its next start");
        }
        try (LockFile lock = locked.get()) {
            Optional<RuntimeState.Recorded> recorded = runtime.read(vm.name());
            VmState state = recorded.map(RuntimeState::effective).orElse(VmState.HALTED);
            boolean wasRunning = state != VmState.HALTED && state != VmState.CRASHED;
            if (wasRunning) {
                stopProcess(vm, Hypervisors.running(host, vm), hypervisorProcessOf(vm, recorded.get()),
                        RuntimeDir.of(host, vm.name()));
            }
            if (leftOver(vm.name())) {
                cleanUp(vm);
            }
            return wasRunning;
        } catch (IOException e) {
            throw new LifecycleException("cannot kill " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Kills the VM's hypervisor (whichever is there: the recorded one, or one found by its control
     * socket, which a start holding the lock may launch meanwhile) until the lock comes free.
     */
    private Optional<LockFile> takeDownUntilLocked(Vm vm) throws IOException {
        Deadline limit = Deadline.in(KILL_LOCK_LIMIT);
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        while (true) {
            Hypervisor hypervisor = Hypervisors.running(host, vm);
            Optional<ProcessIdentity> running = runtime.read(vm.name()).flatMap(recorded -> hypervisorProcessOf(vm, recorded))
                    .or(() -> serving(hypervisor, dir)).filter(ProcessIdentity::isAlive);
            running.ifPresent(process -> {
                progress.accept(vm.name() + ": killing " + hypervisor.name() + " (pid " + process.pid() + ")");
                process.kill();
            });
            Optional<LockFile> lock = LockFile.acquire(host.vmLockFile(vm.name()), POLL.multipliedBy(10));
            if (lock.isPresent() || limit.passed()) {
                return lock;
            }
        }
    }

    /** Whether a run left something behind: a VM's runtime directory (which holds its state) exists. */
    private boolean leftOver(String vmName) {
        return Files.exists(RuntimeDir.of(host, vmName).dir());
    }

    /**
     * The VM's running hypervisor process: the recorded one, or, for a start that was interrupted
     * between launching it and recording its PID, the one whose command line names the VM's control socket.
     */
    private Optional<ProcessIdentity> hypervisorProcessOf(Vm vm, RuntimeState.Recorded recorded) {
        if (recorded.process().isEmpty() && recorded.state() == VmState.STARTING) {
            return serving(Hypervisors.running(host, vm), RuntimeDir.of(host, vm.name()));
        }
        return recorded.process().filter(ProcessIdentity::isAlive);
    }

    /** The hypervisor's stop; if it is still there after a grace period, SIGKILL. */
    private void stopProcess(Vm vm, Hypervisor hypervisor, Optional<ProcessIdentity> process, RuntimeDir dir) {
        sendQuietly(vm, hypervisor.stop(dir.controlSocket(hypervisor)));
        if (process.isPresent() && !exited(process.get(), STOP_GRACE)) {
            progress.accept(vm.name() + ": " + hypervisor.name() + " did not stop; killing it");
            process.get().kill();
            exited(process.get(), STOP_GRACE);
        }
    }

    /**
     * Waits until the process has exited, checking every 20 ms: the hypervisor is not our child,
     * and the JDK watches such processes at 300 ms and slower. A zombie counts as exited.
     */
    private static boolean exited(ProcessIdentity process, Duration timeout) {
        Deadline deadline = Deadline.in(timeout);
        while (process.isAlive()) {
            if (deadline.passed()) {
                return false;
            }
            sleep(POLL);
        }
        return true;
    }

    /** Unmounts read-only shares, takes the network down and removes the runtime directory. */
    private Plan cleanUpPlan(String vmName) {
        Plan.Builder plan = Plan.builder().addAll(unmountShares(vmName));
        try {
            plan.addAll(network.planDown(vmName).plan());
        } catch (RuntimeException e) {
            progress.accept(vmName + ": cannot read the network state: " + e.getMessage());
        }
        return plan.addAll(removeRuntimeDir(vmName)).build();
    }

    private Plan unmountShares(String vmName) {
        Plan.Builder plan = Plan.builder();
        try (var mounts = Files.list(RuntimeDir.of(host, vmName).sharesDir())) {
            mounts.sorted().forEach(mountPoint -> plan.run(unmount(mountPoint)));
        } catch (IOException e) {
            // No shares directory: nothing mounted.
        }
        return plan.build();
    }

    private Plan removeRuntimeDir(String vmName) {
        RuntimeDir dir = RuntimeDir.of(host, vmName);
        return Plan.builder().run(Command.of("rm", "-rf", "--one-file-system", "--", dir.dir().toString()))
                .run(Command.of("rm", "-rf", "--one-file-system", "--", dir.desktopDir().toString())).build();
    }

    /**
     * Does what {@link #cleanUpPlan} shows, once what ran beside the hypervisor has ended. The
     * network part plans and runs under the network's lock, since VMs stopping at the same time
     * share the table.
     */
    private void cleanUp(Vm vm) {
        String vmName = vm.name();
        List<String> failures = new ArrayList<>();
        for (Runnable part : List.<Runnable>of(
                () -> finishLeftovers(RuntimeDir.of(host, vmName), false),
                () -> executor.executeAll(unmountShares(vmName)),
                () -> network.down(vmName),
                () -> executor.executeAll(removeRuntimeDir(vmName)))) {
            try {
                part.run();
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new LifecycleException("cleaning up after " + vmName + " left something behind: " + String.join("; ", failures));
        }
    }

    // ---- pause ----

    /** What pausing the VM does, for --dry-run. */
    public DryRun planPause(Vm vm) {
        return DryRun.of(pauseRequest(vm, true));
    }

    /** What unpausing the VM does, for --dry-run. */
    public DryRun planUnpause(Vm vm) {
        return DryRun.of(pauseRequest(vm, false));
    }

    private ControlRequest pauseRequest(Vm vm, boolean pause) {
        Hypervisor hypervisor = Hypervisors.running(host, vm);
        Path controlSocket = RuntimeDir.of(host, vm.name()).controlSocket(hypervisor);
        return pause ? hypervisor.pause(controlSocket) : hypervisor.resume(controlSocket);
    }

    /** Freezes a running VM's vCPUs. */
    public void pause(Vm vm) {
        changeRunState(vm, VmState.RUNNING, VmState.PAUSED, true);
    }

    /** Lets a paused VM run again. */
    public void unpause(Vm vm) {
        changeRunState(vm, VmState.PAUSED, VmState.RUNNING, false);
    }

    private void changeRunState(Vm vm, VmState from, VmState to, boolean pause) {
        try (LockFile lock = lock(vm)) {
            VmState state = runtime.stateOf(vm.name());
            if (state != from) {
                throw new LifecycleException(vm.name() + " is " + state.displayName().toLowerCase(java.util.Locale.ROOT)
                        + ", not " + from.displayName().toLowerCase(java.util.Locale.ROOT));
            }
            try {
                pauseRequest(vm, pause).send(runner);
            } catch (ControlException e) {
                throw new LifecycleException(e.getMessage(), e);
            }
            runtime.write(vm.name(), to, Optional.empty());
        } catch (IOException e) {
            throw new LifecycleException(vm.name() + ": " + e.getMessage(), e);
        }
    }

    // ---- helpers ----

    private LockFile lock(Vm vm) throws IOException {
        return LockFile.acquire(host.vmLockFile(vm.name()));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LifecycleException("interrupted");
        }
    }

    /** The last lines of the hypervisor's output and of the console, for an error message. */
    static String logTail(RuntimeDir dir, Hypervisor hypervisor) {
        StringBuilder tail = new StringBuilder();
        for (Path log : List.of(dir.hypervisorLog(hypervisor), dir.consoleLog())) {
            List<String> lines = LogTail.lastLines(List.of(log.resolveSibling(log.getFileName() + ".1"), log), LOG_TAIL_LINES);
            if (!lines.isEmpty()) {
                tail.append("\n--- last lines of ").append(log).append(" ---\n").append(String.join("\n", lines));
            }
        }
        return tail.toString();
    }
}
