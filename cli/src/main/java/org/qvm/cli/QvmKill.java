package org.qvm.cli;

import java.util.List;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.lifecycle.Lifecycle;
import org.qvm.lifecycle.DryRun;
import picocli.CommandLine.Command;


/** qvm-kill: stop VMs at once. */
@Command(name = "qvm-kill", header = "stop VMs at once", description = {
        "Stop VMs at once, without asking the guest (crosvm stop, then SIGKILL), then take away their network and "
                + "runtime directory. Volumes stay. Exit status: the number of VMs that failed."})
final class QvmKill extends LifecycleTool {
    @Override
    List<String[]> examples() {
        return List.<String[]>of(
                new String[] {"qvm-kill untrusted", "stop untrusted without asking its guest"});
    }

    @Override
    DryRun plan(Lifecycle lifecycle, Vm vm) {
        return lifecycle.planShutdown(vm, true);
    }

    @Override
    int act(Configuration configuration, Lifecycle lifecycle, List<Vm> vms) {
        return forEachInParallel(vms, lifecycle::kill);
    }
}
