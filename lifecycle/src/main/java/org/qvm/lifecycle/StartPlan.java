package org.qvm.lifecycle;

import java.util.ArrayList;
import java.util.List;
import org.qvm.hypervisor.Companion;
import org.qvm.hypervisor.Hypervisor;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.Command;
import org.qvm.plan.Plan;

/**
 * Everything starting one VM does, in order: its disks, its network, its runtime directory
 * (with read-only shares mounted and the console's FIFO), the keeper of its console log, what
 * runs beside the hypervisor (virtiofsd for qemu's shares), and the hypervisor itself; plus what
 * would stop it, and what deserves a warning. Printed as it is by {@code qvm-start --dry-run}.
 */
public record StartPlan(String vm, Hypervisor hypervisor, CheckedPlan storage, CheckedPlan network, Plan runtime,
                        List<String> consoleLog, List<Companion> companions, List<String> launch,
                        List<String> launchProblems, List<String> warnings) {

    public StartPlan {
        consoleLog = List.copyOf(consoleLog);
        companions = List.copyOf(companions);
        launch = List.copyOf(launch);
        launchProblems = List.copyOf(launchProblems);
        warnings = List.copyOf(warnings);
    }

    public List<String> problems() {
        List<String> problems = new ArrayList<>(storage.problems());
        problems.addAll(network.problems());
        problems.addAll(launchProblems);
        return problems;
    }

    /** As one {@link CheckedPlan}, for printing. */
    public CheckedPlan asCheckedPlan() {
        Plan.Builder all = Plan.builder().addAll(storage.plan()).addAll(network.plan()).addAll(runtime);
        all.run(Command.of(consoleLog));
        companions.forEach(companion -> all.run(companion.command()));
        all.run(Command.of(launch));
        return new CheckedPlan(all.build(), problems());
    }
}
