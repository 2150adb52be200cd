package org.qvm.plan;

import java.util.List;

/**
 * A plan together with what stands in the way of running it (a missing uplink, a volume group
 * that does not exist). A plan with problems must not be run: every problem is found before
 * anything changes. {@code --dry-run} prints both.
 */
public record CheckedPlan(Plan plan, List<String> problems) {
    public static final CheckedPlan NOTHING = new CheckedPlan(Plan.EMPTY, List.of());

    public CheckedPlan {
        problems = List.copyOf(problems);
    }

    public boolean isClear() {
        return problems.isEmpty();
    }
}
