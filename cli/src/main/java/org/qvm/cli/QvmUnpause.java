package org.qvm.cli;

import java.util.List;
import org.qvm.config.Configuration;
import org.qvm.config.Vm;
import org.qvm.lifecycle.Lifecycle;
import org.qvm.lifecycle.DryRun;
import picocli.CommandLine.Command;


/** qvm-unpause: thaw paused VMs. */
@Command(name = "qvm-unpause", header = "thaw paused VMs", description = "Let paused VMs run again (crosvm resume).")
final class QvmUnpause extends LifecycleTool {
    @Override
    List<String[]> examples() {
        return List.<String[]>of(
                new String[] {"qvm-unpause banking", "let a paused VM run again"});
    }

    @Override
    DryRun plan(Lifecycle lifecycle, Vm vm) {
        return lifecycle.planUnpause(vm);
    }

    @Override
    int act(Configuration configuration, Lifecycle lifecycle, List<Vm> vms) {
        return forEachInParallel(vms, lifecycle::unpause) == 0 ? 0 : 1;
    }
}
