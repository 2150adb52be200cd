package org.qvm.cli;

import java.util.List;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.lifecycle.Lifecycle;
import org.qvm.lifecycle.DryRun;
import picocli.CommandLine.Command;


/** qvm-pause: freeze VMs. */
@Command(name = "qvm-pause", header = "freeze VMs", description = "Freeze running VMs' vCPUs (crosvm suspend, QMP stop). qvm-unpause thaws them.")
final class QvmPause extends LifecycleTool {
    @Override
    List<String[]> examples() {
        return List.<String[]>of(
                new String[] {"qvm-pause banking", "freeze banking's vCPUs; qvm-unpause banking lets them run again"});
    }

    @Override
    DryRun plan(Lifecycle lifecycle, Vm vm) {
        return lifecycle.planPause(vm);
    }

    @Override
    int act(Configuration configuration, Lifecycle lifecycle, List<Vm> vms) {
        return forEachInParallel(vms, lifecycle::pause) == 0 ? 0 : 1;
    }
}
