package org.qvm.lifecycle;

import java.util.ArrayList;
import java.util.List;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.Plan;

/**
 * Everything starting one VM does, in order: its disks, its network, its runtime directory
 * (with read-only shares mounted and the console's FIFO), the keeper of its console log, and the
 * crosvm command; plus what would stop it. Printed as it is by {@code qvm-start --dry-run}.
 */
public record StartPlan(String vm, CheckedPlan storage, CheckedPlan network, Plan runtime, List<String> consoleLog,
                        List<String> crosvm, List<String> launchProblems) {

    public StartPlan {
        consoleLog = List.copyOf(consoleLog);
        crosvm = List.copyOf(crosvm);
        launchProblems = List.copyOf(launchProblems);
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
        all.run(org.qvm.plan.Command.of(consoleLog));
        all.run(org.qvm.plan.Command.of(crosvm));
        return new CheckedPlan(all.build(), problems());
    }
}
