package io.upgrader.upgrade;

import io.upgrader.execution.UpgradeHistoryEntry;
import io.upgrader.execution.Workflow;

/** What the planner decided for one command against one state of an execution. */
public sealed interface UpgradeOutcome {

    /** The execution as it must be stored; {@code entry} is also its newest upgradeHistory entry. */
    record Upgraded(Workflow workflow, UpgradeHistoryEntry entry) implements UpgradeOutcome {
    }

    /** The execution already runs the requested version: success, nothing to change. */
    record Unchanged(Workflow workflow) implements UpgradeOutcome {
    }

    record Rejected(Rejection rejection) implements UpgradeOutcome {
    }
}
