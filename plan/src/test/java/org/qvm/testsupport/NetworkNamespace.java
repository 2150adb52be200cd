package org.qvm.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.qvm.plan.Command;
import org.qvm.plan.CommandResult;
import org.qvm.plan.ProcessRunner;

/**
 * A network namespace a test creates for itself and removes when closed, with everything in it
 * (interfaces, addresses, nftables tables, sysctls). Tests never touch the machine's own
 * namespace: the code under test runs its commands through {@link #runner()}, which prefixes
 * them with {@code ip netns exec NAME}.
 */
public final class NetworkNamespace implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final ProcessRunner HOST = new ProcessRunner();

    private final String name;
    private final ProcessRunner runner;

    private NetworkNamespace(String name) {
        this.name = name;
        this.runner = new ProcessRunner(List.of("ip", "netns", "exec", name));
    }

    /** A new namespace named {@code qvmt-<role>-<pid>-<n>} with its loopback up. */
    public static NetworkNamespace create(String role) {
        String name = "qvmt-" + role + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        HOST.check(Command.of("ip", "netns", "add", name));
        NetworkNamespace namespace = new NetworkNamespace(name);
        namespace.run("ip", "link", "set", "dev", "lo", "up");
        return namespace;
    }

    public String name() {
        return name;
    }

    /** Runs commands inside this namespace. */
    public ProcessRunner runner() {
        return runner;
    }

    /** Runs a command inside the namespace; it must succeed. */
    public CommandResult run(String... argv) {
        return runner.check(Command.of(argv));
    }

    /** Runs a command inside the namespace whatever its exit status. */
    public CommandResult attempt(String... argv) {
        return runner.run(Command.of(argv));
    }

    /**
     * Connects this namespace to {@code other} with a veth pair: {@code localName} here with
     * {@code localAddress} (CIDR), {@code otherName} there with {@code otherAddress}; both up.
     */
    public void link(String localName, String localAddress, NetworkNamespace other, String otherName, String otherAddress) {
        run("ip", "link", "add", localName, "type", "veth", "peer", "name", otherName, "netns", other.name());
        List<String[]> steps = new ArrayList<>();
        if (localAddress != null) {
            steps.add(new String[] {"ip", "addr", "add", localAddress, "dev", localName});
        }
        steps.add(new String[] {"ip", "link", "set", "dev", localName, "up"});
        steps.forEach(this::run);
        if (otherAddress != null) {
            other.run("ip", "addr", "add", otherAddress, "dev", otherName);
        }
        other.run("ip", "link", "set", "dev", otherName, "up");
    }

    @Override
    public void close() {
        HOST.run(Command.of("ip", "netns", "del", name));
    }
}
