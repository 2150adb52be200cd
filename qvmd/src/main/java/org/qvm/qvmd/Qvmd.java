package org.qvm.qvmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.qvm.config.ConfigException;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.HostConfig;
import org.qvm.config.Vm;
import org.qvm.guest.transport.GuestSocket;
import org.qvm.guest.transport.Unix;
import org.qvm.lifecycle.RuntimeDir;
import org.qvm.lifecycle.RuntimeState;
import org.qvm.lifecycle.VmState;
import org.qvm.plan.CommandRunner;

/**
 * The host's daemon for calls that guests make. It keeps a listening socket for each VM that
 * runs, on the channel that identifies it (with the hybrid-vsock transport,
 * {@code <state-dir>/<vm>/vsock.sock_<rpc-port>}, which only that VM's hypervisor connects to),
 * follows VMs as they start and stop, and serves each call in a thread of its own, at most
 * {@value #CALLS_PER_VM} at once per VM.
 */
public final class Qvmd implements AutoCloseable {
    static final Duration REFRESH = Duration.ofSeconds(1);
    static final int CALLS_PER_VM = 4;

    private final Path configPath;
    private final Consumer<String> log;
    private final CallHandler handler;
    private final Map<String, Listening> listening = new HashMap<>();
    private final Map<String, Semaphore> calls = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile Duration answerTimeout = Duration.ofSeconds(10);
    private String lastProblem = "";

    public Qvmd(Path configPath, CommandRunner runner, Map<String, String> environment, Consumer<String> log) {
        this.configPath = configPath;
        this.log = log;
        this.handler = new CallHandler(configPath, runner, environment, new Asker(runner), log);
    }

    private record Listening(Unix.Listener listener, Thread thread) {
    }

    /** Serves until closed (or interrupted). */
    public void run() {
        while (!closed && !Thread.currentThread().isInterrupted()) {
            refresh();
            LockSupport.parkNanos(REFRESH.toNanos());
        }
        close();
    }

    /** Listens for every VM that runs now, and no longer for those that stopped. */
    synchronized void refresh() {
        Configuration configuration;
        try {
            configuration = new ConfigLoader().load(configPath, ConfigLoader.Recording.NEVER);
        } catch (ConfigException e) {
            problem("the configuration has errors; serving the VMs as before: " + e.getMessage());
            return;
        }
        HostConfig host = configuration.host();
        answerTimeout = host.guest().answerTimeout();
        Map<String, Path> wanted = new HashMap<>();
        if (host.guest().transport() == HostConfig.GuestTransport.UNIX) {
            RuntimeState states = new RuntimeState(host);
            for (Vm vm : configuration.vms()) {
                VmState state = states.stateOf(vm.name());
                if (state != VmState.HALTED && state != VmState.CRASHED) {
                    wanted.put(vm.name(), RuntimeDir.of(host, vm.name()).hostPortSocket(host.guest().rpcPort()));
                }
            }
            problem("");
        } else {
            problem("[guest] transport = \"" + host.guest().transport().name().toLowerCase(java.util.Locale.ROOT)
                    + "\" is not served yet: guests' calls arrive only with transport = \"unix\"");
        }
        listening.entrySet().removeIf(entry -> {
            Path path = wanted.get(entry.getKey());
            boolean keep = path != null && path.equals(entry.getValue().listener().path()) && Files.exists(path);
            if (!keep) {
                closeQuietly(entry.getValue().listener());
            }
            return !keep;
        });
        wanted.forEach((vm, path) -> {
            if (!listening.containsKey(vm) && Files.isDirectory(path.getParent())) {
                try {
                    Unix.Listener listener = Unix.Listener.listen(path);
                    listening.put(vm, new Listening(listener, acceptLoop(vm, listener)));
                    log.accept("listening for " + vm + "'s calls on " + path);
                } catch (IOException e) {
                    log.accept("cannot listen for " + vm + "'s calls on " + path + ": " + e.getMessage());
                }
            }
        });
    }

    private void problem(String text) {
        if (!text.equals(lastProblem) && !text.isEmpty()) {
            log.accept(text);
        }
        lastProblem = text;
    }

    private Thread acceptLoop(String vm, Unix.Listener listener) {
        Thread thread = new Thread(() -> {
            while (!closed) {
                GuestSocket socket;
                try {
                    socket = listener.accept();
                } catch (IOException e) {
                    return;
                }
                dispatch(vm, socket);
            }
        }, "qvmd-accept-" + vm);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Serves one call from {@code vm} in a thread of its own, unless the VM has as many going as it may. */
    private void dispatch(String vm, GuestSocket socket) {
        Semaphore slots = calls.computeIfAbsent(vm, name -> new Semaphore(CALLS_PER_VM));
        if (!slots.tryAcquire()) {
            log.accept("call from " + vm + ": refused: " + CALLS_PER_VM + " calls are going already");
            socket.close();
            return;
        }
        Thread thread = new Thread(() -> {
            try {
                handler.serve(socket, vm, answerTimeout);
            } finally {
                slots.release();
            }
        }, "qvmd-call-" + vm);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized void close() {
        closed = true;
        listening.values().forEach(entry -> closeQuietly(entry.listener()));
        listening.clear();
    }

    private static void closeQuietly(Unix.Listener listener) {
        try {
            listener.close();
        } catch (IOException e) {
            // Gone with its directory already.
        }
    }
}
