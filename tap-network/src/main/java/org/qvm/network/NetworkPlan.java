package org.qvm.network;

import java.util.List;
import org.qvm.plan.Plan;

/**
 * What bringing a VM's network up or down would do, and what stands in the way. A plan with
 * problems must not be run; {@code --dry-run} prints both.
 */
public record NetworkPlan(Plan plan, List<String> problems) {
    public NetworkPlan {
        problems = List.copyOf(problems);
    }

    public static final NetworkPlan NOTHING = new NetworkPlan(Plan.EMPTY, List.of());
}
