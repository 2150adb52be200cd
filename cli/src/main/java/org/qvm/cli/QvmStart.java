package org.qvm.cli;

import java.util.List;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.lifecycle.Lifecycle;
import org.qvm.lifecycle.DryRun;
import org.qvm.lifecycle.StartPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** qvm-start: start VMs, in parallel. */
@Command(name = "qvm-start", header = "start VMs", sortOptions = false, description = {
        "Start VMs: prepare each one's private volume, bring up its network, launch crosvm in the background "
                + "(its output in <state-dir>/<vm>/), and wait until it is up. Several VMs start in parallel.",
        "If a step fails, what that start set up is taken down again (volumes stay) and the error names the step.",
        "A second qvm-start of the same VM waits for the first and then reports that the VM is running."})
final class QvmStart extends LifecycleTool {
    @Option(names = "--skip-if-running", description = "A VM that is already running is not an error (its network "
            + "rules are put back if they are missing).")
    boolean skipIfRunning;

    @Option(names = "--rules-only", description = "Start nothing: put back the network rules of the VMs that run, where "
            + "they are missing (after the nftables ruleset was flushed or reloaded). For qvm-network.service.")
    boolean rulesOnly;

    @Option(names = "--no-wait", description = "Return once crosvm runs; do not wait for the VM to come up.")
    boolean noWait;

    @Option(names = "--foreground", description = "Start one VM and stay with it, printing its crosvm output and "
            + "console, until it stops; then clean up and exit with crosvm's status (0: the guest powered off). "
            + "For qvm@.service.")
    boolean foreground;

    @Override
    List<String[]> examples() {
        return List.of(
                new String[] {"qvm-start shopping", "prepare shopping's volume and network, launch its hypervisor, wait for its agent"},
                new String[] {"qvm-start dev com untrusted", "three VMs, in parallel"},
                new String[] {"qvm-start --all --exclude personal", "every VM but one"},
                new String[] {"qvm-start --dry-run untrusted", "print every command starting untrusted would run"},
                new String[] {"qvm-start --all --rules-only", "after an nftables reload: put back the running VMs' isolation"});
    }

    @Override
    DryRun plan(Lifecycle lifecycle, Vm vm) {
        StartPlan plan = lifecycle.planStart(vm);
        plan.warnings().forEach(this::warn);
        return DryRun.of(plan.asCheckedPlan());
    }

    @Override
    int act(Configuration configuration, Lifecycle lifecycle, List<Vm> vms) {
        // Disposables whose owner is gone (killed, or the host went down) go first: never left, never reused.
        try {
            new org.qvm.lifecycle.Disposables(configuration.host(), runner()).cleanUp(configuration, lifecycle)
                    .forEach(gone -> warn("removed the disposable " + gone + ", whose owner is gone"));
        } catch (java.io.IOException e) {
            warn("could not look for disposables left behind: " + e.getMessage());
        }
        if (selection.all || selection.allAutostart) {
            // A disposable template is never started; a disposable is its qvm-run's alone.
            vms = vms.stream().filter(vm -> !vm.definition().disposableTemplate() && !vm.definition().disposable()).toList();
        }
        if (rulesOnly) {
            if (foreground || noWait) {
                throw new UsageException("--rules-only starts nothing: it takes neither --foreground nor --no-wait");
            }
            return forEachInParallel(vms, lifecycle::restoreNetwork) == 0 ? 0 : 1;
        }
        if (foreground) {
            if (vms.size() != 1 || noWait) {
                throw new UsageException("--foreground takes exactly one VM (and waits for it)");
            }
            return lifecycle.runInForeground(vms.get(0), line -> {
                out().println(line);
                out().flush();
            });
        }
        return forEachInParallel(vms, vm -> lifecycle.start(vm, skipIfRunning, !noWait)) == 0 ? 0 : 1;
    }
}
