package org.qvm.qvmd;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.qvm.guest.transport.Tcp;
import org.qvm.guest.transport.Unix;
import org.qvm.guest.transport.Vsock;
import org.qvm.lifecycle.RuntimeDir;
import org.qvm.lifecycle.RuntimeState;
import org.qvm.lifecycle.VmState;
import org.qvm.plan.CommandRunner;

/**
 * The host's daemon for calls that guests make. It listens where each transport tells the host
 * which VM calls, so that a caller is the VM its channel names and never what it says:
 * <ul>
 * <li>hybrid vsock ({@code [guest] transport = "unix"}): a socket per running VM,
 *     {@code <state-dir>/<vm>/vsock.sock_<rpc-port>}, which only that VM's hypervisor connects to;</li>
 * <li>tcp: a socket per running VM on its gateway address (the host side of its /31), which only
 *     its tap reaches (the firewall drops forged sources), taking connections from the guest's
 *     own address only;</li>
 * <li>vsock: one socket for every CID, the caller being the VM whose CID the kernel reports.</li>
 * </ul>
 * It follows VMs as they start and stop, and serves each call in a thread of its own, at most
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
    private final WindowStreams windows;
    private volatile boolean closed;
    private volatile Duration answerTimeout = Duration.ofSeconds(10);
    private volatile Configuration current;
    /** What went wrong last, by what it concerns: each is logged when it changes, not every second. */
    private final Map<String, String> problems = new HashMap<>();

    public Qvmd(Path configPath, CommandRunner runner, Map<String, String> environment, Consumer<String> log) {
        this.configPath = configPath;
        this.log = log;
        this.handler = new CallHandler(configPath, runner, environment, new Asker(runner), log);
        this.windows = new WindowStreams(() -> current, log);
    }

    /** Where a VM's calls arrive: a socket path, or an address to bind and the one peer it serves. */
    private record Endpoint(Optional<Path> unix, Optional<InetSocketAddress> tcp, Optional<InetAddress> guest) {
        static Endpoint unix(Path path) {
            return new Endpoint(Optional.of(path), Optional.empty(), Optional.empty());
        }

        static Endpoint tcp(InetSocketAddress bind, InetAddress guest) {
            return new Endpoint(Optional.empty(), Optional.of(bind), Optional.of(guest));
        }

        /** Whether a listener made for it still works: a socket file removed with its directory does not. */
        boolean stillThere() {
            return unix.map(Files::exists).orElse(true);
        }

        @Override
        public String toString() {
            return unix.map(Path::toString).orElseGet(() -> tcp.orElseThrow().getAddress().getHostAddress() + ":"
                    + tcp.orElseThrow().getPort());
        }
    }

    private record Listening(Endpoint endpoint, Closeable listener) {
    }

    private interface Acceptor {
        /** The next call and the VM that makes it; empty for a connection refused. */
        Optional<Map.Entry<String, GuestSocket>> next() throws IOException;
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
            problem("configuration", "the configuration has errors; serving the VMs as before: " + e.getMessage());
            return;
        }
        problem("configuration", "");
        current = configuration;
        HostConfig host = configuration.host();
        answerTimeout = host.guest().answerTimeout();
        Map<String, Endpoint> wanted = new HashMap<>();
        HostConfig.GuestTransport transport = host.guest().transport();
        if (transport == HostConfig.GuestTransport.VSOCK) {
            for (Kind kind : Kind.values()) {
                if (!listening.containsKey(kind.key(""))) {
                    listenOnVsock(kind, kind.port(host));
                }
            }
            return;
        }
        RuntimeState states = new RuntimeState(host);
        for (Vm vm : configuration.vms()) {
            VmState state = states.stateOf(vm.name());
            if (state == VmState.HALTED || state == VmState.CRASHED) {
                continue;
            }
            List<Kind> kinds = windowsByWaypipe(vm) ? List.of(Kind.CALLS, Kind.WINDOWS) : List.of(Kind.CALLS);
            for (Kind kind : kinds) {
                long port = kind.port(host);
                String key = kind.key(vm.name());
                if (transport == HostConfig.GuestTransport.UNIX) {
                    wanted.put(key, Endpoint.unix(RuntimeDir.of(host, vm.name()).hostPortSocket(port)));
                } else {
                    vm.link().ifPresent(link -> wanted.put(key, Endpoint.tcp(
                            new InetSocketAddress(address(link.host().toString()), (int) port), address(link.guest().toString()))));
                }
            }
        }
        listening.entrySet().removeIf(entry -> {
            boolean keep = entry.getValue().endpoint().equals(wanted.get(entry.getKey())) && entry.getValue().endpoint().stillThere();
            if (!keep) {
                closeQuietly(entry.getValue().listener());
            }
            return !keep;
        });
        wanted.forEach((key, endpoint) -> {
            if (!listening.containsKey(key)) {
                listen(Kind.of(key), Kind.vmOf(key), endpoint);
            }
        });
    }

    /** What arrives on a port: guests' calls, or the streams of their windows (waypipe). */
    enum Kind {
        CALLS, WINDOWS;

        long port(HostConfig host) {
            return this == CALLS ? host.guest().rpcPort() : host.guest().waylandPort();
        }

        String key(String vm) {
            return this == CALLS ? vm : vm + "#windows";
        }

        static Kind of(String key) {
            return key.endsWith("#windows") ? WINDOWS : CALLS;
        }

        static String vmOf(String key) {
            return key.endsWith("#windows") ? key.substring(0, key.length() - "#windows".length()) : key;
        }
    }

    private static boolean windowsByWaypipe(Vm vm) {
        return vm.definition().windowsByWaypipe();
    }

    private void listen(Kind kind, String vm, Endpoint endpoint) {
        try {
            if (endpoint.unix().isPresent()) {
                if (!Files.isDirectory(endpoint.unix().get().getParent())) {
                    return;
                }
                Unix.Listener listener = Unix.Listener.listen(endpoint.unix().get());
                acceptLoop(kind, vm, () -> Optional.of(Map.entry(vm, listener.accept())));
                listening.put(kind.key(vm), new Listening(endpoint, listener));
            } else {
                Tcp.Listener listener = Tcp.Listener.listen(endpoint.tcp().orElseThrow());
                InetAddress guest = endpoint.guest().orElseThrow();
                acceptLoop(kind, vm, () -> {
                    Tcp.Accepted accepted = listener.accept();
                    if (!accepted.peer().equals(guest)) {
                        log.accept("refused a call on " + endpoint + " from " + accepted.peer().getHostAddress() + ", which is not "
                                + vm + "'s address");
                        accepted.socket().close();
                        return Optional.empty();
                    }
                    return Optional.of(Map.entry(vm, accepted.socket()));
                });
                listening.put(kind.key(vm), new Listening(endpoint, listener));
            }
            problem(kind.key(vm), "");
            log.accept("listening for " + vm + "'s " + what(kind) + " on " + endpoint);
        } catch (IOException e) {
            // A tap that is not up yet has no address to bind: the next refresh tries again.
            problem(kind.key(vm), "cannot listen for " + vm + "'s " + what(kind) + " on " + endpoint + " yet: " + e.getMessage());
        }
    }

    private static String what(Kind kind) {
        return kind == Kind.CALLS ? "calls" : "windows (waypipe)";
    }

    private void listenOnVsock(Kind kind, long port) {
        try {
            Vsock.Listener listener = Vsock.Listener.listen(port);
            acceptLoop(kind, "vsock", () -> {
                Vsock.Accepted accepted = listener.accept();
                long cid = accepted.peer().cid();
                Optional<Vm> caller = Optional.ofNullable(current).flatMap(config -> config.vms().stream()
                        .filter(vm -> vm.cid() == cid).findFirst());
                if (caller.isEmpty()) {
                    log.accept("refused a call from vsock CID " + cid + ", which is no VM's");
                    accepted.socket().close();
                    return Optional.empty();
                }
                return Optional.of(Map.entry(caller.get().name(), accepted.socket()));
            });
            listening.put(kind.key(""), new Listening(Endpoint.unix(Path.of("/dev/vsock")), listener));
            log.accept("listening for " + what(kind) + " on vsock port " + port);
        } catch (IOException | RuntimeException e) {
            problem(kind.key("vsock"), "cannot listen on vsock port " + port + ": " + e.getMessage());
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** Logs a problem (empty: none any more) when it differs from the last one about the same thing. */
    private void problem(String about, String text) {
        String last = problems.put(about, text);
        if (!text.isEmpty() && !text.equals(last)) {
            log.accept(text);
        }
    }

    private void acceptLoop(Kind kind, String name, Acceptor acceptor) {
        Thread thread = new Thread(() -> {
            while (!closed) {
                Optional<Map.Entry<String, GuestSocket>> call;
                try {
                    call = acceptor.next();
                } catch (IOException e) {
                    return;
                }
                call.ifPresent(entry -> {
                    if (kind == Kind.CALLS) {
                        dispatch(entry.getKey(), entry.getValue());
                    } else {
                        windows.relay(entry.getKey(), entry.getValue());
                    }
                });
            }
        }, "qvmd-accept-" + name + (kind == Kind.WINDOWS ? "-windows" : ""));
        thread.setDaemon(true);
        thread.start();
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
        handler.closeDisposables();
        listening.values().forEach(entry -> closeQuietly(entry.listener()));
        listening.clear();
    }

    private static void closeQuietly(Closeable listener) {
        try {
            listener.close();
        } catch (IOException e) {
            // Gone with its directory already.
        }
    }
}
