package org.qvm.lifecycle;

import java.util.ArrayList;
import java.util.List;
import org.qvm.hypervisor.ControlRequest;
import org.qvm.plan.CheckedPlan;
import org.qvm.plan.Plan;

/**
 * What {@code --dry-run} prints for an operation on a running VM: the request to its hypervisor
 * (a command, or a QMP message shown as a comment) and the commands of a plan after it.
 */
public record DryRun(List<String> lines, List<String> problems) {
    public DryRun {
        lines = List.copyOf(lines);
        problems = List.copyOf(problems);
    }

    public static DryRun of(ControlRequest request) {
        return new DryRun(List.of(request.render()), List.of());
    }

    public static DryRun of(CheckedPlan plan) {
        return new DryRun(plan.plan().render(), plan.problems());
    }

    /** This, then the plan's commands. */
    public DryRun then(Plan plan) {
        List<String> all = new ArrayList<>(lines);
        all.addAll(plan.render());
        return new DryRun(all, problems);
    }
}
