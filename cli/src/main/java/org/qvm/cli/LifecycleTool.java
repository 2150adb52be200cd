package org.qvm.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.qvm.config.ConfigLoader;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.lifecycle.Lifecycle;
import org.qvm.lifecycle.DryRun;
import picocli.CommandLine.Mixin;

/**
 * What qvm-start, qvm-shutdown, qvm-kill, qvm-pause and qvm-unpause share: the VM selection,
 * --dry-run, a {@link Lifecycle}, progress on a terminal, and acting on several VMs in parallel
 * with one error line per VM that failed.
 */
abstract class LifecycleTool extends Tool {
    /** More VMs than this are handled in turns. */
    static final int PARALLEL = 16;

    @Mixin
    VmSelection selection = new VmSelection();

    @Mixin
    DryRunOption dryRun = new DryRunOption();

    /** Loads the configuration, picks the VMs, and prints the plans (--dry-run) or acts. */
    @Override
    public final Integer call() {
        selection.check();
        Configuration configuration = loadConfiguration(dryRun.enabled ? ConfigLoader.Recording.NEVER
                : ConfigLoader.Recording.ALWAYS);
        List<Vm> vms = selection.select(configuration);
        Lifecycle lifecycle = lifecycle(configuration);
        if (dryRun.enabled) {
            printPlans(vms, vm -> plan(lifecycle, vm));
            return 0;
        }
        return act(configuration, lifecycle, vms);
    }

    /** Every lifecycle tool acts on VMs named on its command line. */
    @Override
    final Arguments arguments() {
        return Arguments.VMS;
    }

    /** What acting on the VM would run. */
    abstract DryRun plan(Lifecycle lifecycle, Vm vm);

    /** Acts on the VMs; returns the exit status. */
    abstract int act(Configuration configuration, Lifecycle lifecycle, List<Vm> vms);

    /** Prints each VM's plan; with several VMs, each under a {@code # NAME} line. */
    private void printPlans(List<Vm> vms, java.util.function.Function<Vm, DryRun> plan) {
        for (Vm vm : vms) {
            if (vms.size() > 1) {
                out().println("# " + vm.name());
            }
            printDryRun(plan.apply(vm));
        }
    }

    interface VmAction {
        void apply(Vm vm) throws Exception;
    }

    /** Runs the action for every VM, in parallel; prints {@code PROG: error: VM: message} for each failure. */
    int forEachInParallel(List<Vm> vms, VmAction action) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(PARALLEL, vms.size())));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Vm vm : vms) {
                futures.add(pool.submit(() -> {
                    action.apply(vm);
                    return null;
                }));
            }
            int failed = 0;
            for (int i = 0; i < vms.size(); i++) {
                try {
                    futures.get(i).get();
                } catch (ExecutionException e) {
                    failed++;
                    String message = e.getCause().getMessage();
                    synchronized (this) {
                        err().println(programName() + ": error: " + vms.get(i).name() + ": "
                                + (message == null ? e.getCause().toString() : message));
                        err().flush();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failed++;
                }
            }
            return failed;
        } finally {
            pool.shutdownNow();
        }
    }
}
