package org.qvm.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.qvm.config.Configuration;
import org.qvm.config.HostConfig;
import org.qvm.config.LockFile;
import org.qvm.config.Vm;
import org.qvm.config.VmDefinition;
import org.qvm.crosvm.CrosvmControl;
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
 * Starts and stops VMs: storage, network, runtime directory and crosvm, in that order, and back.
 * Every operation on a VM holds the VM's lock, so two commands never act on one VM at once; the
 * state file and the process identity in it let the next command repair what a crashed one left.
 */
public final class Lifecycle {
    /** How long crosvm gets to exit after {@code crosvm stop} before it is killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(20);
    /** How long a detached crosvm may take to show up as a process. */
    private static final Duration FIND_LIMIT = Duration.ofSeconds(5);
    private static final Duration FIND_POLL = Duration.ofMillis(2);
    private static final int LOG_TAIL_LINES = 15;
    /** How long qvm-kill waits for a command that holds the VM's lock to let go, once the VM is down. */
    static final Duration KILL_LOCK_LIMIT = Duration.ofSeconds(30);
    /** How long the console log's keeper gets to finish by itself once crosvm is gone. */
    static final Duration KEEPER_GRACE = Duration.ofSeconds(2);

    private final HostConfig host;
    private final CommandRunner runner;
    private final PlanExecutor executor;
    private final VmStorage storage;
    private final VmNetwork network;
    private final RuntimeState runtime;
    private final Map<String, String> environment;
    private final Consumer<String> progress;

    public Lifecycle(Configuration configuration, CommandRunner runner, Map<String, String> environment,
                     Consumer<String> progress) {
        this.host = configuration.host();
        this.runner = runner;
        this.executor = new PlanExecutor(runner);
        this.storage = new VmStorage(VmStorage.poolFor(host, runner), runner);
        this.network = new VmNetwork(host, runner);
        this.runtime = new RuntimeState(host);
        this.environment = Map.copyOf(environment);
        this.progress = progress;
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
        return StartPlanner.plan(host, vm, storage.privateVolume(vm), network.kernelParameter(vm), environment,
                storagePlan, networkPlan);
    }

    static Command unmount(Path mountPoint) {
        // 32: not mounted (any more), which is what we want.
        return Command.of("umount", mountPoint.toString()).succeedingOn(0, 32);
    }

    /** What {@link #start} did. */
    public enum StartOutcome { STARTED, ALREADY_RUNNING }

    /**
     * Starts the VM and, with {@code wait}, waits until it is up. If any step fails, what this
     * start set up is taken down again (crosvm, mounts, network; volumes are kept) and the error
     * names the step and ends with the tail of the VM's logs.
     */
    public StartOutcome start(Vm vm, boolean skipIfRunning, boolean wait) {
        try (LockFile lock = lock(vm)) {
            Optional<RuntimeState.Recorded> recorded = runtime.read(vm.name());
            VmState state = recorded.map(RuntimeState::effective).orElse(VmState.HALTED);
            if (state == VmState.STARTING) {
                // We hold the VM's lock, so whoever was starting it is gone (a crashed qvm-start).
                Optional<ProcessIdentity> crosvm = crosvmOf(vm.name(), recorded.get());
                if (crosvm.isPresent() && adopt(vm, crosvm.get(), wait)) {
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
                cleanUp(vm.name());
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
     * under qvm@.service): copies its logs to {@code lines} until crosvm exits, cleans up, and
     * returns crosvm's exit status: 0 when the guest powered off or was shut down, 32 when it
     * rebooted, 33 when it crashed, 34 on a guest panic.
     */
    public int runInForeground(Vm vm, Consumer<String> lines) {
        Process[] crosvm = new Process[1];
        try (LockFile lock = lock(vm)) {
            VmState state = runtime.stateOf(vm.name());
            if (state != VmState.HALTED && state != VmState.CRASHED) {
                throw new LifecycleException(vm.name() + " is already " + state.displayName().toLowerCase(java.util.Locale.ROOT)
                        + "; stop it first to run it in the foreground");
            }
            if (leftOver(vm.name())) {
                cleanUp(vm.name());
            }
            // In the foreground crosvm is our child, for its exit status.
            startHalted(vm, true, new Launcher() {
                @Override
                public void keepConsole(StartPlan plan, RuntimeDir dir) {
                    new ConsoleLog(dir.consolePipe(), dir.consoleLog()).startThread();
                }

                @Override
                public ProcessIdentity launch(List<String> argv, RuntimeDir dir) {
                    crosvm[0] = runner.launch(Command.of(argv), dir.crosvmLog());
                    return ProcessIdentity.of(crosvm[0].pid()).orElseThrow(() ->
                            new LifecycleException("cannot start " + vm.name() + ": crosvm exited at once" + logTail(dir)));
                }
            });
        } catch (IOException e) {
            throw new LifecycleException("cannot start " + vm.name() + ": " + e.getMessage(), e);
        }
        LogFollower follower = new LogFollower(RuntimeDir.of(host, vm.name()), lines);
        follower.start();
        int status;
        try {
            status = crosvm[0].waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LifecycleException("interrupted while " + vm.name() + " runs");
        } finally {
            follower.finish();
        }
        try (LockFile lock = lock(vm)) {
            if (leftOver(vm.name())) {
                cleanUp(vm.name());
            }
        } catch (IOException e) {
            throw new LifecycleException("cannot clean up after " + vm.name() + ": " + e.getMessage(), e);
        }
        return status;
    }

    /**
     * Finishes a start whose qvm-start died after launching crosvm: waits for the VM to come up
     * and records it as running. If it does not come up, crosvm is stopped and false returned.
     */
    private boolean adopt(Vm vm, ProcessIdentity crosvm, boolean wait) throws IOException {
        progress.accept(vm.name() + ": finishing a start that was interrupted (crosvm pid " + crosvm.pid() + ")");
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        try {
            if (wait) {
                waitUntilUp(vm, crosvm::isAlive, () -> "crosvm exited", dir);
            }
            // A crosvm found by its control socket was never recorded: record it now.
            runtime.write(vm.name(), VmState.RUNNING, Optional.of(crosvm));
            return true;
        } catch (LifecycleException e) {
            progress.accept(vm.name() + ": " + e.getMessage());
            stopProcess(vm, Optional.of(crosvm), dir);
            return false;
        }
    }

    /**
     * How crosvm and the keeper of its console are started: detached, each a process of its own
     * (qvm-start), or crosvm as our child and the console kept by a thread of ours (in the foreground).
     */
    private interface Launcher {
        void keepConsole(StartPlan plan, RuntimeDir dir);

        ProcessIdentity launch(List<String> argv, RuntimeDir dir);
    }

    /** Starts a halted VM with crosvm and its console's keeper detached. */
    private void startHalted(Vm vm, boolean wait) throws IOException {
        startHalted(vm, wait, new Launcher() {
            @Override
            public void keepConsole(StartPlan plan, RuntimeDir dir) {
                runner.detach(Command.of(plan.consoleLog()), dir.crosvmLog());
                findDetached(() -> consoleLogOf(dir), () -> "the keeper of the console log did not start" + logTail(dir));
            }

            @Override
            public ProcessIdentity launch(List<String> argv, RuntimeDir dir) {
                return launchDetached(vm, argv, dir);
            }
        });
    }

    private void startHalted(Vm vm, boolean wait, Launcher launcher) throws IOException {
        StartPlan plan = planStart(vm);
        if (!plan.problems().isEmpty()) {
            throw new LifecycleException("cannot start " + vm.name() + ": " + String.join("; ", plan.problems()));
        }
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        step(vm, "storage", () -> storage.prepare(vm));
        progress.accept(vm.name() + ": storage ready");
        boolean networkUp = false;
        ProcessIdentity crosvm = null;
        try {
            step(vm, "network", () -> network.up(vm));
            networkUp = vm.link().isPresent();
            progress.accept(vm.name() + ": network up");
            step(vm, "runtime directory", () -> executor.execute(plan.runtime()));
            Files.deleteIfExists(dir.controlSocket());
            Files.deleteIfExists(dir.vsockSocket());
            runtime.write(vm.name(), VmState.STARTING, Optional.empty());
            step(vm, "console log", () -> launcher.keepConsole(plan, dir));
            ProcessIdentity launched = launcher.launch(plan.crosvm(), dir);
            crosvm = launched;
            runtime.write(vm.name(), VmState.STARTING, Optional.of(launched));
            progress.accept(vm.name() + ": crosvm started (pid " + launched.pid() + ")");
            if (wait) {
                waitUntilUp(vm, launched::isAlive, () -> "crosvm exited", dir);
            }
            runtime.write(vm.name(), VmState.RUNNING, Optional.empty());
            progress.accept(vm.name() + ": running");
        } catch (RuntimeException | IOException failure) {
            undoStart(vm, crosvm, plan.runtime(), networkUp);
            throw failure instanceof LifecycleException lifecycle ? lifecycle
                    : new LifecycleException("cannot start " + vm.name() + ": " + (failure.getMessage() == null
                            ? failure.toString() : failure.getMessage()), failure);
        }
    }

    /** The crosvm whose command line names this control socket (it leads a session of its own). */
    private static Optional<ProcessIdentity> crosvmServing(RuntimeDir dir) {
        return ProcessIdentity.sessionLeaderWithArguments(List.of("--socket", dir.controlSocket().toString()));
    }

    /**
     * Starts crosvm detached (so that qvm-start can exit as soon as the VM is up) and finds it:
     * the session leader whose command line names the VM's control socket.
     */
    private ProcessIdentity launchDetached(Vm vm, List<String> argv, RuntimeDir dir) {
        try {
            runner.detach(Command.of(argv), dir.crosvmLog());
        } catch (CommandFailedException e) {
            throw new LifecycleException("cannot start " + vm.name() + " at step crosvm: " + e.getMessage(), e);
        }
        return findDetached(() -> crosvmServing(dir), () -> "cannot start " + vm.name() + ": crosvm exited at once"
                + logTail(dir));
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
        return ProcessIdentity.sessionLeaderWithArguments(List.of(ConsoleLog.class.getName(), dir.consolePipe().toString()));
    }

    /**
     * Once crosvm is gone: waits for the console log's keeper to copy what is left and end (it
     * does once crosvm has closed the console), or, {@code now} (a failed start, whose crosvm may
     * never have opened it) or past {@link #KEEPER_GRACE}, ends it (SIGTERM, then SIGKILL). So
     * nothing of a VM outlives its shutdown or a failed start.
     */
    private static void finishConsoleLog(RuntimeDir dir, boolean now) {
        consoleLogOf(dir).ifPresent(keeper -> {
            if (!now && exited(keeper, KEEPER_GRACE)) {
                return;
            }
            keeper.terminate();
            if (!exited(keeper, STOP_GRACE)) {
                keeper.kill();
                exited(keeper, STOP_GRACE);
            }
        });
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
        }
    }

    /**
     * Until the VM is up: crosvm has made its control socket and, with an agent, the agent answers
     * (qvm-agent: a ping; the article's shell loop: a connection). A crosvm that exits, or the
     * start timeout, is a failed start. The timeout is a hard deadline: no ping, however the guest
     * behaves, waits past it.
     */
    private void waitUntilUp(Vm vm, java.util.function.BooleanSupplier alive, java.util.function.Supplier<String> howItEnded,
                             RuntimeDir dir) {
        Deadline deadline = Deadline.in(host.guest().startTimeout());
        String waitingFor = "crosvm";
        while (!isUp(vm, dir, deadline)) {
            if (!alive.getAsBoolean()) {
                throw new LifecycleException("cannot start " + vm.name() + ": " + howItEnded.get()
                        + " before the VM came up" + logTail(dir));
            }
            if (deadline.passed()) {
                boolean crosvmUp = Files.exists(dir.controlSocket());
                throw new LifecycleException("cannot start " + vm.name() + ": " + (crosvmUp ? "its guest agent did not "
                        + "answer (" + guestEndpoint(vm) + ")" : "crosvm did not come up") + " within "
                        + host.guest().startTimeout().toSeconds() + " s ([guest] start-timeout)" + logTail(dir));
            }
            if (Files.exists(dir.controlSocket()) && waitingFor.equals("crosvm")) {
                waitingFor = "agent";
                progress.accept(vm.name() + ": waiting for the guest agent");
            }
            sleep(POLL);
        }
    }

    private boolean isUp(Vm vm, RuntimeDir dir, Deadline deadline) {
        if (!Files.exists(dir.controlSocket())) {
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
    private void undoStart(Vm vm, ProcessIdentity crosvm, Plan runtimeSteps, boolean networkUp) {
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        // A crosvm that was started but not found in time is looked for once more, and stopped.
        Optional<ProcessIdentity> running = (crosvm != null ? Optional.of(crosvm) : crosvmServing(dir))
                .filter(ProcessIdentity::isAlive);
        if (running.isPresent()) {
            stopProcess(vm, running, dir);
        }
        finishConsoleLog(dir, true);
        runtimeSteps.steps().forEach(step -> step.undo().ifPresent(runner::run));
        if (networkUp) {
            try {
                network.down(vm.name());
            } catch (RuntimeException e) {
                progress.accept(vm.name() + ": could not take the network down: " + e.getMessage());
            }
        }
        try {
            Files.deleteIfExists(dir.stateFile());
        } catch (IOException e) {
            progress.accept(vm.name() + ": could not remove " + dir.stateFile() + ": " + e.getMessage());
        }
    }

    // ---- stop ----

    /** What shutting down (or killing) the VM would run, for --dry-run. */
    public CheckedPlan planShutdown(Vm vm, boolean kill) {
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        Plan.Builder plan = Plan.builder();
        // With qvm-agent, a power-off request goes to the agent first; the power button is the fallback.
        plan.run(kill ? CrosvmControl.stop(host.crosvm().binary(), dir.controlSocket())
                : CrosvmControl.powerButton(host.crosvm().binary(), dir.controlSocket()));
        plan.addAll(cleanUpPlan(vm.name()));
        return new CheckedPlan(plan.build(), List.of());
    }

    /**
     * Asks the guest to power off (through its agent, else the ACPI power button). With
     * {@code wait}, waits for crosvm to exit, then takes the network and the runtime directory
     * away. {@code timeout} is a hard deadline for all of it, whatever the guest does: the power-off
     * request, the wait, and the VM's lock if another command holds it. Past it the VM is stopped
     * ({@code crosvm stop}, then SIGKILL), as {@link #kill} does. Without {@code wait}, returns once
     * the guest was asked.
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
                    cleanUp(vm.name());
                }
                return false;
            }
            RuntimeDir dir = RuntimeDir.of(host, vm.name());
            Optional<ProcessIdentity> process = crosvmOf(vm.name(), recorded.get());
            if (state == VmState.PAUSED) {
                runner.run(CrosvmControl.resume(host.crosvm().binary(), dir.controlSocket()));
            }
            if (state != VmState.HALTING) {
                runtime.write(vm.name(), VmState.HALTING, Optional.empty());
                CommandFailedException refused = powerButton(vm, dir, deadline);
                if (refused != null) {
                    progress.accept(vm.name() + ": the power button did not work (" + refused.getMessage() + "); stopping it");
                    stopProcess(vm, process, dir);
                }
            }
            if (!wait) {
                return true;
            }
            progress.accept(vm.name() + ": waiting for it to power off");
            if (process.isPresent() && !exited(process.get(), deadline.remaining())) {
                progress.accept(vm.name() + ": still running after " + timeout.toSeconds() + " s; stopping it");
                stopProcess(vm, process, dir);
            }
            cleanUp(vm.name());
            return true;
        } catch (IOException e) {
            throw new LifecycleException("cannot shut down " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Asks the guest to power off: through its agent when it has qvm-agent, else (or if the agent
     * does not answer before the deadline) with the ACPI power button. Returns why neither worked, or null.
     */
    private CommandFailedException powerButton(Vm vm, RuntimeDir dir, Deadline deadline) {
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
            runner.check(CrosvmControl.powerButton(host.crosvm().binary(), dir.controlSocket()));
            return null;
        } catch (CommandFailedException e) {
            return e;
        }
    }

    /**
     * Stops the VM at once ({@code crosvm stop}, then SIGKILL) and cleans up. It never waits
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
                stopProcess(vm, crosvmOf(vm.name(), recorded.get()), RuntimeDir.of(host, vm.name()));
            }
            if (leftOver(vm.name())) {
                cleanUp(vm.name());
            }
            return wasRunning;
        } catch (IOException e) {
            throw new LifecycleException("cannot kill " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Kills the VM's crosvm (whichever is there: the recorded one, or one found by its control
     * socket, which a start holding the lock may launch meanwhile) until the lock comes free.
     */
    private Optional<LockFile> takeDownUntilLocked(Vm vm) throws IOException {
        Deadline limit = Deadline.in(KILL_LOCK_LIMIT);
        RuntimeDir dir = RuntimeDir.of(host, vm.name());
        while (true) {
            Optional<ProcessIdentity> crosvm = runtime.read(vm.name()).flatMap(recorded -> crosvmOf(vm.name(), recorded))
                    .or(() -> crosvmServing(dir)).filter(ProcessIdentity::isAlive);
            crosvm.ifPresent(process -> {
                progress.accept(vm.name() + ": killing crosvm (pid " + process.pid() + ")");
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
     * The VM's running crosvm: the recorded one, or, for a start that was interrupted between
     * launching crosvm and recording its PID, the crosvm whose command line names the VM's control socket.
     */
    private Optional<ProcessIdentity> crosvmOf(String vmName, RuntimeState.Recorded recorded) {
        if (recorded.process().isEmpty() && recorded.state() == VmState.STARTING) {
            return crosvmServing(RuntimeDir.of(host, vmName));
        }
        return recorded.process().filter(ProcessIdentity::isAlive);
    }

    /** {@code crosvm stop}; if crosvm is still there after a grace period, SIGKILL. */
    private void stopProcess(Vm vm, Optional<ProcessIdentity> process, RuntimeDir dir) {
        runner.run(CrosvmControl.stop(host.crosvm().binary(), dir.controlSocket()));
        if (process.isPresent() && !exited(process.get(), STOP_GRACE)) {
            progress.accept(vm.name() + ": crosvm did not stop; killing it");
            process.get().kill();
            exited(process.get(), STOP_GRACE);
        }
    }

    /**
     * Waits until the process has exited, checking every 20 ms: crosvm is not our child, and the
     * JDK watches such processes at 300 ms and slower. A zombie counts as exited.
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
        return Plan.of(org.qvm.plan.Step.of(Command.of("rm", "-rf", "--one-file-system", "--",
                RuntimeDir.of(host, vmName).dir().toString())));
    }

    /**
     * Does what {@link #cleanUpPlan} shows. The network part plans and runs under the network's
     * lock, since VMs stopping at the same time share the table.
     */
    private void cleanUp(String vmName) {
        List<String> failures = new ArrayList<>();
        for (Runnable part : List.<Runnable>of(
                () -> finishConsoleLog(RuntimeDir.of(host, vmName), false),
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

    /** What pausing the VM runs, for --dry-run. */
    public CheckedPlan planPause(Vm vm) {
        return new CheckedPlan(Plan.of(org.qvm.plan.Step.of(suspend(vm))), List.of());
    }

    /** What unpausing the VM runs, for --dry-run. */
    public CheckedPlan planUnpause(Vm vm) {
        return new CheckedPlan(Plan.of(org.qvm.plan.Step.of(resume(vm))), List.of());
    }

    private Command suspend(Vm vm) {
        return CrosvmControl.suspend(host.crosvm().binary(), RuntimeDir.of(host, vm.name()).controlSocket());
    }

    private Command resume(Vm vm) {
        return CrosvmControl.resume(host.crosvm().binary(), RuntimeDir.of(host, vm.name()).controlSocket());
    }

    /** Freezes a running VM's vCPUs. */
    public void pause(Vm vm) {
        changeRunState(vm, VmState.RUNNING, VmState.PAUSED, suspend(vm));
    }

    /** Lets a paused VM run again. */
    public void unpause(Vm vm) {
        changeRunState(vm, VmState.PAUSED, VmState.RUNNING, resume(vm));
    }

    private void changeRunState(Vm vm, VmState from, VmState to, Command command) {
        try (LockFile lock = lock(vm)) {
            VmState state = runtime.stateOf(vm.name());
            if (state != from) {
                throw new LifecycleException(vm.name() + " is " + state.displayName().toLowerCase(java.util.Locale.ROOT)
                        + ", not " + from.displayName().toLowerCase(java.util.Locale.ROOT));
            }
            try {
                runner.check(command);
            } catch (CommandFailedException e) {
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

    /** The last lines of crosvm's output and of the console, for an error message. */
    static String logTail(RuntimeDir dir) {
        StringBuilder tail = new StringBuilder();
        for (Path log : List.of(dir.crosvmLog(), dir.consoleLog())) {
            List<String> lines = LogTail.lastLines(List.of(log.resolveSibling(log.getFileName() + ".1"), log), LOG_TAIL_LINES);
            if (!lines.isEmpty()) {
                tail.append("\n--- last lines of ").append(log).append(" ---\n").append(String.join("\n", lines));
            }
        }
        return tail.toString();
    }
}
