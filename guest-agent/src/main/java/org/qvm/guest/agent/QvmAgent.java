package org.qvm.guest.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.List;

/**
 * qvm-agent: the guest side of qvm. Listens on AF_VSOCK (accepting only the host, CID 2) or, for
 * tests and hybrid-vsock hypervisors, on a UNIX socket that answers the {@code CONNECT port}
 * handshake itself; serves many connections at once, one request each.
 */
public final class QvmAgent {
    static final String USAGE = "usage: qvm-agent [--listen vsock:PORT|tcp:PORT|unix:PATH|cmdline] [--host-address ADDR] "
            + "[--port PORT] [--user USER] "
            + "[--poweroff-command 'CMD ARGS'] [--open-command 'CMD ARGS'] [--wayland-host ADDR] [--wayland-socket PATH] "
            + "[--max-connections N] [-v]";

    private QvmAgent() {
    }

    /** Lines to standard error (the journal, under systemd). */
    static final class Log {
        private final boolean verbose;

        Log(boolean verbose) {
            this.verbose = verbose;
        }

        void info(String message) {
            if (verbose) {
                System.err.println("qvm-agent: " + message);
            }
        }

        void error(String message) {
            System.err.println("qvm-agent: error: " + message);
        }
    }

    public static void main(String[] args) {
        String listen = KernelCommandLine.DEFAULT_LISTEN;
        String hostAddress = null;
        long port = 5000;
        String user = System.getProperty("user.name");
        List<String> poweroff = List.of("systemctl", "poweroff");
        List<String> open = AgentSettings.DEFAULT_OPEN_COMMAND;
        int maxConnections = 256;
        boolean verbose = false;
        String waylandHost = null;
        Path waylandSocket = WaylandRelay.DEFAULT_SOCKET;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--listen" -> listen = args[++i];
                    case "--host-address" -> hostAddress = args[++i];
                    case "--port" -> port = Long.parseLong(args[++i]);
                    case "--user" -> user = args[++i];
                    case "--poweroff-command" -> poweroff = List.of(args[++i].trim().split("\\s+"));
                    case "--open-command" -> open = List.of(args[++i].trim().split("\\s+"));
                    case "--max-connections" -> maxConnections = Integer.parseInt(args[++i]);
                    case "--wayland-host" -> waylandHost = args[++i];
                    case "--wayland-socket" -> waylandSocket = Path.of(args[++i]);
                    case "-v", "--verbose" -> verbose = true;
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println(USAGE);
            System.err.println("qvm-agent: error: " + e.getMessage());
            System.exit(2);
        }
        Log log = new Log(verbose);
        java.util.Optional<AgentSettings> settings = settingsFor(user, poweroff, open, maxConnections, log);
        if (settings.isEmpty()) {
            System.exit(1);
        }
        try {
            Optional<String> host = Optional.ofNullable(hostAddress);
            Optional<String> wayland = Optional.ofNullable(waylandHost);
            Optional<String> gateway = Optional.empty();
            if (listen.equals("cmdline")) {
                // What qvm-start put on the kernel command line: qvm.agent=, the host as ip='s gateway,
                // and with waypipe windows, qvm.wayland=.
                KernelCommandLine cmdline = KernelCommandLine.read(Path.of("/proc/cmdline"));
                listen = cmdline.agentListen();
                host = host.or(cmdline::gateway);
                gateway = cmdline.gateway();
                wayland = wayland.or(() -> cmdline.value("qvm.wayland"));
            }
            AgentSettings served = settings.get();
            if (wayland.isPresent()) {
                Optional<Accounts.Account> account = Accounts.find(served.user());
                boolean chown = Accounts.runningAsRoot() && account.isPresent();
                WaylandRelay.start(waylandSocket, chown ? account.get().uid() : -1, chown ? account.get().gid() : -1,
                        org.qvm.guest.calls.HostAddress.parse(wayland.get(), gateway), log);
                served = served.withWaylandSocket(waylandSocket);
            }
            log.info("listening on " + listen);
            serve(listen, port, host.map(QvmAgent::address), served, log);
        } catch (IOException | RuntimeException e) {
            log.error("cannot listen on " + listen + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * The settings for delivering to {@code user}, or empty (with the error logged) when the agent
     * cannot act for that user: one that does not exist, or another user while the agent is not
     * root. Our own user's home is $HOME (as the service or a test set it up); another user's comes
     * from passwd.
     */
    static java.util.Optional<AgentSettings> settingsFor(String user, List<String> poweroff, List<String> open, int maxConnections,
                                                          Log log) {
        String current = Accounts.current();
        java.nio.file.Path home;
        if (user.equals(current)) {
            home = java.nio.file.Path.of(System.getenv().getOrDefault("HOME", System.getProperty("user.home")));
        } else if (!Accounts.runningAsRoot()) {
            log.error("--user " + user + ": the agent runs as " + current + " and can act for another user only as root");
            return java.util.Optional.empty();
        } else {
            java.util.Optional<Accounts.Account> account = Accounts.find(user);
            if (account.isEmpty()) {
                log.error("--user " + user + ": there is no such user in this guest (/etc/passwd)");
                return java.util.Optional.empty();
            }
            home = account.get().home();
        }
        return java.util.Optional.of(new AgentSettings(user, home, poweroff, open, maxConnections));
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + text);
        }
    }

    static void serve(String listen, long defaultPort, Optional<InetAddress> host, AgentSettings settings, Log log)
            throws IOException {
        try (AgentServer server = AgentServer.listen(listen, defaultPort, host, settings, log)) {
            server.serve();
        }
    }
}
