package org.qvm.cli;

import java.util.List;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.lifecycle.Lifecycle;
import org.qvm.plan.CheckedPlan;
import picocli.CommandLine.Command;


/** qvm-pause: freeze VMs. */
@Command(name = "qvm-pause", description = "Freeze running VMs' vCPUs (crosvm suspend). qvm-unpause thaws them.")
final class QvmPause extends LifecycleTool {
    @Override
    CheckedPlan plan(Lifecycle lifecycle, Vm vm) {
        return lifecycle.planPause(vm);
    }

    @Override
    int act(Configuration configuration, Lifecycle lifecycle, List<Vm> vms) {
        return forEachInParallel(vms, lifecycle::pause) == 0 ? 0 : 1;
    }
}
