package org.qvm.network;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;
import org.qvm.config.HostConfig;
import org.qvm.config.LockFile;
import org.qvm.config.Vm;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.CommandRunner;
import org.qvm.plan.PlanExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings VMs' networks up and down: observe, plan, check, execute. The table is shared by every
 * VM, so bringing one up happens under {@code <state-dir>/network.lock} (between observing and
 * executing nobody else changes the table's base), and so does removing the table; a VM's own
 * pieces go without it (no one else touches them).
 */
public final class VmNetwork {
    public static final String LOCK_NAME = "network.lock";
    private static final Logger LOG = LoggerFactory.getLogger(VmNetwork.class);

    private final HostConfig host;
    private final NetworkProbe probe;
    private final PlanExecutor executor;

    public VmNetwork(HostConfig host, CommandRunner runner) {
        this.host = host;
        this.probe = new NetworkProbe(runner);
        this.executor = new PlanExecutor(runner);
    }

    /** The kernel parameter that gives the guest its address, for a VM with network. */
    public Optional<String> kernelParameter(Vm vm) {
        return vm.link().map(link -> GuestAddressing.kernelParameter(host.network(), link));
    }

    /** The tap device crosvm attaches to, for a VM with network. */
    public static Optional<String> tapOf(Vm vm) {
        return vm.link().map(link -> TapName.of(vm.name()));
    }

    /**
     * The plan that brings the VM's network up, for {@code --dry-run}: when the state cannot be
     * read (not root, tools missing), it plans from nothing and says why in the problems.
     */
    public CheckedPlan planUp(Vm vm) {
        if (vm.link().isEmpty()) {
            return CheckedPlan.NOTHING;
        }
        try {
            return NetworkPlanner.up(host, vm, probe.observe(NetworkPlanner.sysctlsFor(host, vm.name())));
        } catch (NetworkException e) {
            CheckedPlan fromNothing = NetworkPlanner.up(host, vm, ObservedNetwork.EMPTY);
            java.util.List<String> problems = new java.util.ArrayList<>();
            problems.add("cannot read the network state (" + e.getMessage() + "); planned as if nothing were set up");
            return new CheckedPlan(fromNothing.plan(), problems);
        }
    }

    /** The plan that takes the VM's network away, for {@code --dry-run}. */
    public CheckedPlan planDown(String vmName) {
        return NetworkPlanner.down(vmName, probe.observe(NetworkPlanner.sysctlsFor(host, vmName)));
    }

    /** Whether a running VM's isolation is in place. */
    public enum Rules {
        /** Its rules are all there. */
        IN_PLACE,
        /** Some or all are gone (a flushed ruleset, say): the VM is not isolated. */
        MISSING,
        /** The table cannot be read here (not root, no nft). */
        UNKNOWN
    }

    /** For each of these VMs that has network, whether its rules are in place: one read of the table for all. */
    public java.util.Map<String, Rules> rulesOf(java.util.List<Vm> vms) {
        java.util.Map<String, Rules> rules = new java.util.LinkedHashMap<>();
        java.util.List<Vm> networked = vms.stream().filter(vm -> vm.link().isPresent()).toList();
        if (networked.isEmpty()) {
            return rules;
        }
        Optional<ObservedNetwork.QvmTable> table;
        try {
            table = probe.readTable();
        } catch (NetworkException e) {
            networked.forEach(vm -> rules.put(vm.name(), Rules.UNKNOWN));
            return rules;
        }
        for (Vm vm : networked) {
            rules.put(vm.name(), NetworkPlanner.rulesInPlace(host, vm, table) ? Rules.IN_PLACE : Rules.MISSING);
        }
        return rules;
    }

    /**
     * Brings the VM's network up (for a running VM, puts back what is missing). Checks first and
     * changes nothing if something is in the way; a failure half-way undoes what this call set up.
     *
     * @return whether anything had to be done
     */
    public boolean up(Vm vm) {
        if (vm.link().isEmpty()) {
            return false;
        }
        try (LockFile lock = lock()) {
            CheckedPlan plan = NetworkPlanner.up(host, vm, probe.observe(NetworkPlanner.sysctlsFor(host, vm.name())));
            if (!plan.problems().isEmpty()) {
                throw new NetworkException("cannot set up the network of " + vm.name() + ": "
                        + String.join("; ", plan.problems()));
            }
            LOG.info("network of {}: {} steps", vm.name(), plan.plan().steps().size());
            executor.execute(plan.plan());
            return !plan.plan().isEmpty();
        } catch (IOException e) {
            throw new NetworkException("cannot take " + lockPath() + ": " + e.getMessage());
        }
    }

    /**
     * Takes the VM's network away (carrying on past failures, so as little as possible is left).
     * What is the VM's alone goes without the network lock, so several VMs' teardowns run side by
     * side; only the last one's removal of the shared table takes it.
     */
    public void down(String vmName) {
        executor.executeAll(NetworkPlanner.downOwn(vmName, probe.observe(NetworkPlanner.sysctlsFor(host, vmName))).plan());
        try (LockFile lock = lock()) {
            Optional<ObservedNetwork.QvmTable> table = probe.readTable();
            if (table.isPresent() && table.get().interfacesInMaps().isEmpty()) {
                executor.executeAll(NetworkPlanner.downShared(probe.observe(NetworkPlanner.sysctlsFor(host, vmName))).plan());
            }
        } catch (IOException e) {
            throw new NetworkException("cannot take " + lockPath() + ": " + e.getMessage());
        }
    }

    private Path lockPath() {
        return host.stateDir().resolve(LOCK_NAME);
    }

    private LockFile lock() throws IOException {
        return LockFile.acquire(lockPath());
    }
}
