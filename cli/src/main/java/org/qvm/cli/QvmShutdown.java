package org.qvm.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.lifecycle.Lifecycle;
import org.qvm.lifecycle.DryRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** qvm-shutdown: power VMs off gracefully. */
@Command(name = "qvm-shutdown", header = "shut VMs down gracefully", sortOptions = false, description = {
        "Shut VMs down gracefully: the guest is asked to power off (ACPI power button). Then the VM's network "
                + "and runtime directory are taken away; its volumes stay.",
        "With --wait, waits for the VMs to power off; a VM still running after --timeout seconds is stopped "
                + "(crosvm stop), then killed. Without --wait, the waiting and cleaning up go on in the background.",
        "Exit status: the number of VMs that failed."})
final class QvmShutdown extends LifecycleTool {
    static final int DEFAULT_TIMEOUT = 60;

    @Option(names = "--wait", description = "Wait for the VMs to power off.")
    boolean waitForThem;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_TIMEOUT,
            description = "How long to wait before stopping a VM the hard way (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    List<String[]> examples() {
        return List.of(
                new String[] {"qvm-shutdown --wait dev", "ask dev to power off and wait for it"},
                new String[] {"qvm-shutdown --all --wait --timeout 30", "every VM; stop the ones still running after 30 s"});
    }

    @Override
    DryRun plan(Lifecycle lifecycle, Vm vm) {
        return lifecycle.planShutdown(vm, false);
    }

    @Override
    int act(Configuration configuration, Lifecycle lifecycle, List<Vm> vms) {
        if (timeoutSeconds < 1) {
            throw new UsageException("--timeout must be at least 1 second");
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        List<Vm> asked = java.util.Collections.synchronizedList(new ArrayList<>());
        int failed = forEachInParallel(vms, vm -> {
            if (lifecycle.shutdown(vm, waitForThem, timeout)) {
                asked.add(vm);
            }
        });
        if (!waitForThem && !asked.isEmpty()) {
            finishInBackground(configuration, asked);
        }
        return failed;
    }

    /** Starts {@code qvm-shutdown --wait} for these VMs as a process of its own, which outlives this one. */
    private void finishInBackground(Configuration configuration, List<Vm> vms) {
        List<String> argv = new ArrayList<>(SelfCommand.argv("qvm-shutdown"));
        argv.addAll(List.of("--wait", "--quiet", "--timeout", Integer.toString(timeoutSeconds)));
        vms.forEach(vm -> argv.add(vm.name()));
        Path log = configuration.host().stateDir().resolve("qvm-shutdown.log");
        org.qvm.plan.Command command = org.qvm.plan.Command.of(argv).withEnvironment("QVM_CONFIG", configPath().toString());
        runner().detach(command, log);
    }
}
